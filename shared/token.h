#ifndef MEMETER_TOKEN_H
#define MEMETER_TOKEN_H

#include <stddef.h>

#define TOKEN_BYTES	16			/* 128-bit cookie tokens */
#define TOKEN_HEX_LEN	(TOKEN_BYTES * 2)
#define SHA256_BYTES	32
#define SHA256_HEX_LEN	(SHA256_BYTES * 2)

/* Fills buf with n random bytes from getrandom(2); 0 or -1 (logged). */
int	token_random(void *buf, size_t n);

/* A new random token as lower-case hex in out[TOKEN_HEX_LEN + 1]. */
int	token_new(char out[TOKEN_HEX_LEN + 1]);

/* SHA-256 of len bytes into out[SHA256_BYTES]. */
void	token_sha256(const void *data, size_t len, unsigned char out[SHA256_BYTES]);

/* SHA-256 as lower-case hex in out[SHA256_HEX_LEN + 1]. */
void	token_sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void	token_hex(const unsigned char *in, size_t n, char *out);

/* 1 if s is exactly TOKEN_HEX_LEN lower-case hex digits. */
int	token_valid(const char *s);

/* Constant-time comparison of two equal-length buffers. */
int	token_equal(const void *a, const void *b, size_t n);

/* crypt(3) hash of password with a fresh yescrypt salt into out; 0 or -1. */
int	token_password_hash(const char *password, char *out, size_t outlen);

/* 1 if password matches the crypt(3) hash, 0 if not. */
int	token_password_check(const char *password, const char *hash);

#endif
