# ipc - the only build entry point.  See README.md.
#
#   make            check dependencies, build build/ipc and its symlinks
#   make test       unit tests (cmocka) and CLI tests (bats); ends "N passed, N failed"
#   make asan       the same suite, built with AddressSanitizer and UBSan
#   make demo       build and open the main experience: the ipc tui picker
#   make install    PREFIX=/usr/local: binary, symlinks, completions, man pages
#   make generate   regenerate completions/, man/ and docs/ipc-*.md from the command table
#   make clean

PREFIX ?= /usr/local
BUILD ?= build
CC ?= cc
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

PKGS := openssl readline ncursesw jansson
TEST_PKGS := cmocka
# Debian packages behind the pkg-config names above, the test tools and the
# peers the tests talk to.
APT_PKGS := pkg-config libssl-dev libreadline-dev libncurses-dev libjansson-dev \
	libcmocka-dev bats bats-support bats-assert bats-file socat ncat \
	openssl python3 curl zsh fish man-db tmux
# The libraries bench/ compares the event loop against (make bench only).
BENCH_PKGS := libuv1-dev libevent-dev

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter
CFLAGS ?= -O2 -g
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ifeq ($(SAN),1)
CFLAGS := -O1 -g $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
endif
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE -DIPC_VERSION='"$(VERSION)"' -Ilib -Icmd \
	$(WARN) $(CFLAGS) $(PKG_CFLAGS) -pthread -MMD -MP

LIB_SRC := $(sort $(wildcard lib/*.c))
CMD_SRC := $(sort $(wildcard cmd/*.c cmd/*/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ := $(CMD_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
APPLETS = $(shell sed -n 's/^APPLET.\([a-z]*\).*/\1/p' cmd/commands.h)
LINKS = $(APPLETS:%=$(BUILD)/ipc-%)

.PHONY: all deps test unit bats asan demo bench install uninstall generate clean check-generated
all: deps $(BUILD)/ipc $(LINKS)

# Check with pkg-config; install what is missing when we may (root, or
# sudo without a password), otherwise say the one command that would.
deps:
	@missing=""; \
	for p in $(PKGS) $(TEST_PKGS); do pkg-config --exists $$p 2>/dev/null || missing="$$missing $$p"; done; \
	for t in bats socat ncat openssl python3 curl zsh fish man tmux; do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	[ -f /usr/lib/bats/bats-assert/load.bash ] || missing="$$missing bats-assert"; \
	[ -z "$$missing" ] && exit 0; \
	echo "make: missing:$$missing"; \
	$(call apt_install,$(APT_PKGS))

# $(call apt_install,PACKAGES): install Debian packages when we may (root,
# or sudo without a password), otherwise say the one command that would.
define apt_install
if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "make: run: sudo apt-get install -y $(1)"; exit 1; fi; \
	$$sudo apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $(1)
endef

$(BUILD)/libipc.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/ipc: $(CMD_OBJ) $(BUILD)/lesson_files.o $(BUILD)/libipc.a
	$(CC) $(LDFLAGS) -pthread -o $@ $(CMD_OBJ) $(BUILD)/lesson_files.o \
		$(BUILD)/libipc.a $(PKG_LIBS)

# The lessons go into the binary as C strings (tools/embed.c); the
# directory is a prerequisite so that adding or removing one remakes them.
LESSONS := $(sort $(wildcard tutorials/[0-9]*.md))

$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(BUILD)/lesson_files.c: $(BUILD)/tools/embed $(LESSONS) tutorials
	$(BUILD)/tools/embed $(LESSONS) >$@.tmp && mv $@.tmp $@

$(BUILD)/lesson_files.o: $(BUILD)/lesson_files.c lib/lesson.h
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/ipc-%: | $(BUILD)/ipc
	ln -sf ipc $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Unit tests link libipc.a and cmocka; -Wl,--wrap lets a test replace a
# libc call (see tests/unit/README).
$(BUILD)/unit/%: tests/unit/%.c $(BUILD)/libipc.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libipc.a \
		$(PKG_LIBS) $(shell pkg-config --libs cmocka)

# Fails the loop's allocations on purpose (see the test).
$(BUILD)/unit/test_loop_server: LDFLAGS += -Wl,--wrap=malloc -Wl,--wrap=free
$(BUILD)/unit/test_lesson: LDFLAGS += -Wl,--wrap=malloc -Wl,--wrap=realloc \
	-Wl,--wrap=strdup

test: all $(UNIT_BIN)
	@IPC_BUILD=$(BUILD) tests/run

unit: all $(UNIT_BIN)
	@IPC_BUILD=$(BUILD) tests/run unit

bats: all
	@IPC_BUILD=$(BUILD) tests/run bats

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 test

# The main experience: the visualiser's scenario picker (ipc tui).  On a
# machine without a terminal, 'ipc demo' is a guided walk in plain text.
demo: all
	@$(BUILD)/ipc tui

# Side-by-side echo benchmark (bench/run) and what the TUI costs the
# process it watches (bench/tui): they print figures, they are not tests.
bench: all
	@pkg-config --exists libuv libevent 2>/dev/null || { \
	echo "make: missing: $(BENCH_PKGS)"; $(call apt_install,$(BENCH_PKGS)); }
	@IPC_BUILD=$(BUILD) bench/run
	@IPC_BUILD=$(BUILD) bench/tui

generate: all
	@IPC_BUILD=$(BUILD) tests/helpers/generate write

check-generated: all
	@IPC_BUILD=$(BUILD) tests/helpers/generate check

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(BUILD)/ipc $(DESTDIR)$(PREFIX)/bin/ipc
	for a in $(APPLETS); do ln -sf ipc $(DESTDIR)$(PREFIX)/bin/ipc-$$a; done
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 completions/ipc.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ipc
	install -m 644 completions/_ipc $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_ipc
	install -m 644 completions/ipc.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/ipc.fish

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/ipc $(APPLETS:%=$(DESTDIR)$(PREFIX)/bin/ipc-%)
	rm -f $(DESTDIR)$(PREFIX)/share/man/man1/ipc*.1
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ipc \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_ipc \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/ipc.fish

clean:
	rm -rf build build-asan build-clang

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d)
