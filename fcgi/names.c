/*
 * Rater names: an adjective and an animal, 64 of each, so a party of a
 * few hundred rarely sees the same name twice and nobody has to type one.
 */
#include "names.h"

#include <stdint.h>
#include <stdio.h>

#include "token.h"

static const char *const names_adjectives[] = {
	"Brave", "Clever", "Cosmic", "Dapper", "Eager", "Fancy", "Fearless",
	"Fluffy", "Gentle", "Giddy", "Glorious", "Grumpy", "Happy", "Hasty",
	"Jolly", "Jumpy", "Kind", "Lazy", "Lucky", "Mellow", "Mighty", "Nimble",
	"Noble", "Peppy", "Perky", "Plucky", "Polite", "Proud", "Quick",
	"Quiet", "Quirky", "Rapid", "Rowdy", "Rusty", "Salty", "Sassy",
	"Shiny", "Silly", "Sleepy", "Sly", "Smug", "Sneaky", "Snappy", "Soggy",
	"Speedy", "Spicy", "Spooky", "Sunny", "Swift", "Tiny", "Turbo",
	"Vivid", "Wacky", "Wild", "Wise", "Witty", "Wobbly", "Zany", "Zesty",
	"Bouncy", "Crispy", "Dizzy", "Funky", "Mystic",
};

static const char *const names_animals[] = {
	"Alpaca", "Badger", "Beaver", "Bison", "Capybara", "Cheetah",
	"Chinchilla", "Cobra", "Corgi", "Coyote", "Crab", "Dingo", "Dolphin",
	"Donkey", "Eagle", "Falcon", "Ferret", "Flamingo", "Fox", "Gecko",
	"Gibbon", "Giraffe", "Goose", "Hamster", "Hedgehog", "Heron", "Hippo",
	"Hyena", "Ibis", "Iguana", "Jackal", "Jaguar", "Koala", "Lemur",
	"Llama", "Lobster", "Lynx", "Marmot", "Meerkat", "Mongoose", "Moose",
	"Narwhal", "Ocelot", "Octopus", "Otter", "Owl", "Panda", "Pangolin",
	"Parrot", "Pelican", "Penguin", "Puffin", "Quokka", "Raccoon", "Raven",
	"Salamander", "Seal", "Sloth", "Squid", "Tapir", "Toucan", "Walrus",
	"Wombat", "Yak",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

size_t
names_adjective_count(void)
{
	return NELEM(names_adjectives);
}

size_t
names_animal_count(void)
{
	return NELEM(names_animals);
}

const char *
names_adjective(size_t i)
{
	return i < NELEM(names_adjectives) ? names_adjectives[i] : NULL;
}

const char *
names_animal(size_t i)
{
	return i < NELEM(names_animals) ? names_animals[i] : NULL;
}

int
names_random(char *out, size_t outlen)
{
	uint32_t r[2];

	if (token_random(r, sizeof(r)) == -1)
		return -1;
	/* 2^32 is a multiple of 64: the modulo has no bias here. */
	snprintf(out, outlen, "%s %s",
	    names_adjectives[r[0] % NELEM(names_adjectives)],
	    names_animals[r[1] % NELEM(names_animals)]);
	return 0;
}
