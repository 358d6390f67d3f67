# memeter — one Makefile, no generated build system.
#
#   make            build the release variant into build/release/
#   make run        install missing packages, build, start the stack on :8080
#   make test       install missing packages, build, run every test
#                   (release and ASan+UBSan builds)
#   make fuzz       every libFuzzer harness for FUZZ_S seconds (default 180)
#   make bench      benchmarks (prints a table, writes docs/BENCHMARKS.md)
#   make clean      remove build output
#
# V selects the variant: V=release (default) or V=asan.  Every program dir
# (fcgi/, pushd/, ctl/) holds one main.c; its other files form a library the
# unit tests link, so adding a source file never needs an edit here.

V        ?= release
BUILD    := build/$(V)
CC       ?= cc

CPPFLAGS := -D_GNU_SOURCE -Ishared -I$(BUILD)/gen
CFLAGS   := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -g -MMD -MP
LDLIBS   := -lfcgi -lsqlite3 -ljson-c -lwebsockets -lev -lcrypto -lcrypt -lz -lm -lhiredis
# libvips (and libwebpmux, which it brings), for shared/image.c and its test
# only; --as-needed keeps them out of the programs that make no images.
VIPS_CFLAGS := $(shell pkg-config --cflags vips libwebpmux)
LDLIBS   += -Wl,--as-needed $(shell pkg-config --libs vips libwebpmux)

ifeq ($(V),asan)
CFLAGS   += -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
            -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
else
CFLAGS   += -O2
endif

SHARED_SRC := $(wildcard shared/*.c shared/store/*.c) $(BUILD)/gen/migrations.c
SHARED_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(SHARED_SRC:$(BUILD)/gen/%=gen/%))

# $(call prog_lib,dir): objects of dir/ except main.c
prog_lib = $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out $(1)/main.c,$(wildcard $(1)/*.c)))

FCGI_OBJ  := $(call prog_lib,fcgi)
PUSHD_OBJ := $(call prog_lib,pushd)
CTL_OBJ   := $(call prog_lib,ctl)
RELAY_OBJ := $(call prog_lib,relay)

PROGRAMS := $(BUILD)/bin/memeter-fcgi $(BUILD)/bin/memeter-pushd $(BUILD)/bin/memeter-relay
ifneq ($(wildcard ctl/main.c),)
PROGRAMS += $(BUILD)/bin/memeterctl
endif
TOOLS    := $(patsubst tests/tools/%.c,$(BUILD)/bin/%,$(wildcard tests/tools/*.c)) \
            $(patsubst tests/bench/%.c,$(BUILD)/bin/%,$(wildcard tests/bench/*.c)) \
            $(patsubst tools/%.c,$(BUILD)/bin/%,$(wildcard tools/*.c))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))

LIBS_A := $(BUILD)/lib/libctl.a $(BUILD)/lib/libfcgiapp.a $(BUILD)/lib/libpushd.a \
          $(BUILD)/lib/librelay.a $(BUILD)/lib/libshared.a

.PHONY: all deps run stop test test-unit test-stack test-browser test-asan \
        bench assets clean cppcheck install uninstall check-layout fuzz \
        test-fuzz
.DEFAULT_GOAL := all

all: check-layout $(PROGRAMS) $(TOOLS) $(UNIT_TESTS)

# The rooms stay apart: a program includes shared/ and its own folder,
# never another program's headers ("../fcgi/..."), and only the store's
# own files (and tests) see its insides.  Tests may reach into any room.
check-layout:
	@if grep -rn '#include "\.\./' shared fcgi pushd ctl tools \
	    2>/dev/null; then \
	    echo "check-layout: include shared/ headers, not another program's" >&2; \
	    exit 1; fi
	@if grep -rln 'store_int\.h' --include='*.[ch]' shared fcgi pushd ctl \
	    tools 2>/dev/null | grep -v '^shared/store/'; then \
	    echo "check-layout: store_int.h is for shared/store/ only" >&2; \
	    exit 1; fi

deps:
	@sh mk/deps.sh

# --- libraries and programs -------------------------------------------------

$(BUILD)/gen/migrations.c: $(sort $(wildcard sql/*.sql)) mk/embed-sql.sh
	@mkdir -p $(@D)
	sh mk/embed-sql.sh $(sort $(wildcard sql/*.sql)) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/shared/image.o $(BUILD)/obj/tests/unit/test_image.o: CPPFLAGS += $(VIPS_CFLAGS)
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/lib/libshared.a: $(SHARED_OBJ)
$(BUILD)/lib/libfcgiapp.a: $(FCGI_OBJ)
$(BUILD)/lib/libpushd.a: $(PUSHD_OBJ)
$(BUILD)/lib/libctl.a: $(CTL_OBJ)
$(BUILD)/lib/librelay.a: $(RELAY_OBJ)
$(BUILD)/lib/%.a:
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

LINK = @mkdir -p $(@D) && echo "  LINK $@" && $(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/memeter-fcgi: $(BUILD)/obj/fcgi/main.o $(LIBS_A)
	$(LINK)
$(BUILD)/bin/memeter-pushd: $(BUILD)/obj/pushd/main.o $(LIBS_A)
	$(LINK)
$(BUILD)/bin/memeterctl: $(BUILD)/obj/ctl/main.o $(LIBS_A)
	$(LINK)
$(BUILD)/bin/memeter-relay: $(BUILD)/obj/relay/main.o $(LIBS_A)
	$(LINK)
$(BUILD)/bin/%: $(BUILD)/obj/tests/tools/%.o $(LIBS_A)
	$(LINK)
$(BUILD)/bin/%: $(BUILD)/obj/tests/bench/%.o $(LIBS_A)
	$(LINK)
$(BUILD)/bin/%: $(BUILD)/obj/tools/%.o $(LIBS_A)
	$(LINK)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIBS_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(if $(wildcard tests/unit/$*.wrap),$(shell cat tests/unit/$*.wrap)) \
	    $(LIBS_A) $(LDLIBS) -lcmocka

-include $(shell find build/$(V)/obj -name '*.d' 2>/dev/null)

# --- front-end assets (Tailwind CLI from npm, pinned in package-lock.json) --

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets: node_modules/.package-lock.json
	@sh mk/assets.sh

# --- running ----------------------------------------------------------------

run: deps
	@$(MAKE) --no-print-directory all assets
	@sh mk/run.sh

stop:
	@sh mk/run.sh stop

# --- tests ------------------------------------------------------------------
# Every suite appends "suite passed failed" to build/results; the last line
# of `make test` is the total.

test: deps
	@rm -rf build/results && mkdir -p build/results
	@$(MAKE) --no-print-directory all assets
	@$(MAKE) --no-print-directory V=asan all
	@$(MAKE) --no-print-directory cppcheck
	@status=0; \
	$(MAKE) --no-print-directory -k test-unit || status=1; \
	$(MAKE) --no-print-directory -k V=asan test-unit || status=1; \
	$(MAKE) --no-print-directory -k test-stack || status=1; \
	$(MAKE) --no-print-directory -k V=asan test-stack || status=1; \
	$(MAKE) --no-print-directory -k test-browser || status=1; \
	$(MAKE) --no-print-directory -k test-fuzz || status=1; \
	sh mk/summary.sh build/results || status=1; \
	exit $$status

test-unit: all
	@sh mk/run-unit.sh $(BUILD) $(V)

test-stack: all
	@bash tests/stack/run.sh $(BUILD) $(V)

test-browser: all assets
	@if ls tests/browser/*.test.mjs >/dev/null 2>&1; then \
	    node tests/browser/run.mjs $(BUILD); \
	else echo "browser: no tests yet"; fi

# libFuzzer harnesses (tests/fuzz/, clang, objects in build/fuzz/).  The
# dispatch harness compiles the migrations the release build embeds.
FUZZ_S ?= 180
fuzz: deps build/release/gen/migrations.c
	@sh mk/run-fuzz.sh fuzz $(FUZZ_S)

test-fuzz: build/release/gen/migrations.c
	@sh mk/run-fuzz.sh test 8

test-asan:
	@$(MAKE) --no-print-directory V=asan test-unit test-stack

cppcheck:
	@cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
	    --inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE -D__CPPCHECK__ -Ishared \
	    shared fcgi pushd relay $(wildcard ctl) $(wildcard tools/*.c) $(wildcard tests/tools/*.c) $(wildcard tests/bench/*.c)

bench: deps
	@$(MAKE) --no-print-directory all assets
	@bash tests/bench/run.sh $(BUILD)

# --- installing (mk/install.sh: FHS layout, PREFIX, DESTDIR) ---------------

PREFIX ?= /usr/local

install: $(PROGRAMS)
	@DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" sh mk/install.sh install $(BUILD)

uninstall:
	@DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" sh mk/install.sh uninstall $(BUILD)

clean:
	rm -rf build
