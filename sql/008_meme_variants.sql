-- memeter schema, version 8: each meme's variants for the network
-- (shared/image.c: a phone-sized WebP, long side <= 1080 px, and a 320 px
-- thumbnail, both upright), named in the media folder next to the
-- original.  NULL until made: such a meme is served as the original.
ALTER TABLE memes ADD COLUMN phone_file TEXT;
ALTER TABLE memes ADD COLUMN phone_width INTEGER;
ALTER TABLE memes ADD COLUMN phone_height INTEGER;
ALTER TABLE memes ADD COLUMN phone_bytes INTEGER;
ALTER TABLE memes ADD COLUMN thumb_file TEXT;
ALTER TABLE memes ADD COLUMN thumb_width INTEGER;
ALTER TABLE memes ADD COLUMN thumb_height INTEGER;
ALTER TABLE memes ADD COLUMN thumb_bytes INTEGER;
