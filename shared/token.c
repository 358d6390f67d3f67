#include "token.h"

#include <crypt.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"

int
token_random(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s: getrandom", __func__);
			return -1;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

void
token_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int
token_new(char out[TOKEN_HEX_LEN + 1])
{
	unsigned char raw[TOKEN_BYTES];

	if (token_random(raw, sizeof(raw)) == -1)
		return -1;
	token_hex(raw, sizeof(raw), out);
	return 0;
}

void
token_sha256(const void *data, size_t len, unsigned char out[SHA256_BYTES])
{
	/*
	 * Every request hashes its cookie: SHA256() looks the algorithm up
	 * and allocates a context each time (OpenSSL 3), more work than the
	 * hash of 32 bytes itself.  One of each per process instead (our
	 * processes are single-threaded).
	 */
	static EVP_MD *md;
	static EVP_MD_CTX *ctx;

	if (md == NULL && (md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL) {
		SHA256(data, len, out);
		return;
	}
	if (ctx == NULL && (ctx = EVP_MD_CTX_new()) == NULL) {
		SHA256(data, len, out);
		return;
	}
	if (EVP_DigestInit_ex2(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, data, len) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		SHA256(data, len, out);
}

void
token_sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
	unsigned char raw[SHA256_BYTES];

	SHA256(data, len, raw);
	token_hex(raw, sizeof(raw), out);
}

int
token_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == TOKEN_HEX_LEN;
}

int
token_equal(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	unsigned char diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

int
token_password_hash(const char *password, char *out, size_t outlen)
{
	struct crypt_data data;
	const char *salt, *hash;

	memset(&data, 0, sizeof(data));
	/* NULL random source: libcrypt reads the OS's own. */
	salt = crypt_gensalt_rn("$y$", 0, NULL, 0, data.setting,
	    sizeof(data.setting));
	if (salt == NULL) {
		log_warn("%s: crypt_gensalt", __func__);
		return -1;
	}
	hash = crypt_r(password, salt, &data);
	if (hash == NULL || hash[0] == '*' || strlen(hash) >= outlen) {
		log_warnx("%s: crypt failed", __func__);
		return -1;
	}
	memcpy(out, hash, strlen(hash) + 1);
	return 0;
}

int
token_password_check(const char *password, const char *hash)
{
	struct crypt_data data;
	const char *got;
	size_t n;

	memset(&data, 0, sizeof(data));
	got = crypt_r(password, hash, &data);
	if (got == NULL || got[0] == '*')
		return 0;
	n = strlen(hash);
	return strlen(got) == n && token_equal(got, hash, n);
}
