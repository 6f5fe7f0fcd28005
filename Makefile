# nsx — a namespace explorer shell.
#   make          build ./nsx
#   make run      install missing packages (as root), build, start the shell
#   make test     build and run every test (TAP, through prove)
#   make asan     build with ASan+UBSan and run the whole suite with it
#   make fuzz     libFuzzer harnesses (clang, ASan+UBSan), FUZZ_TIME seconds each
#   make bench    benchmarks against the anchors (lsns), ratios printed
#   make scale    nsx ls at 2500..20000 processes: time, memory; fails unless linear
#   make test-vm  the VM matrix: a targeted suite on Debian's 6.1, 5.10 and 6.12
#                 kernels under qemu (no KVM), pure cgroup v2 (as root)
#   make vm-readme  README's "Where it runs" table from the last test-vm's results
#   make install  PREFIX=/usr/local DESTDIR=   (binary, man page, bash completion, lessons)
#   make uninstall PREFIX=/usr/local DESTDIR=  (removes exactly those)

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR  ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
CC      ?= cc
PKG_CONFIG ?= pkg-config

# Debian packages the build, the tests and the benchmarks need.
DEPS := build-essential pkg-config libreadline-dev libncurses-dev \
	libsmartcols-dev libmnl-dev libarchive-dev libcap-dev nettle-dev libsystemd-dev \
	util-linux procps iproute2 perl tmux uidmap passwd busybox-static \
	bubblewrap crun xz-utils zstd man-db groff-base iputils-ping htop valgrind \
	clang libclang-rt-14-dev python3

# libarchive and libsystemd are not linked: src/util/archive_dl.c and
# sdbus_dl.c load them on first use.
# readline, tinfo, libcap and nettle are linked statically: loading and
# relocating them cost about 1 ms at every start (measured with `nsx run --
# /bin/true`); Debian ships no static libsmartcols or libmnl.
PKGS    := smartcols libmnl
STATIC_LIBS := -Wl,-Bstatic -lreadline -lncursesw -ltinfo -lcap -lnettle -Wl,-Bdynamic
VERSION := 0.1

BUILD   ?= build
CFLAGS  ?= -O2 -g
NSX_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Isrc -DNSX_VERSION='"$(VERSION)"' -D_FILE_OFFSET_BITS=64 \
	$(shell $(PKG_CONFIG) --cflags ncursesw readline smartcols libmnl libarchive libcap nettle libsystemd 2>/dev/null)
NSX_LIBS := $(STATIC_LIBS) $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lpthread

SRCS := $(wildcard src/*.c src/*/*.c)
OBJS := $(SRCS:%.c=$(BUILD)/%.o)
# everything but main: linked into the unit tests
LIBOBJS := $(filter-out $(BUILD)/src/main.o,$(OBJS))

# Test hooks (NSX_TEST_*, src/util/testhook.h) exist only in the binary the
# tests run, $(BUILD)/nsx: its testhook.o is compiled with -DNSX_TEST_HOOKS.
# ./nsx (make, make run, make install) links the same objects but
# testhook-prod.o, the one file compiled a second time, without them.
HOOK_OBJ := $(BUILD)/src/util/testhook.o
PROD_OBJS := $(filter-out $(HOOK_OBJ),$(OBJS)) $(BUILD)/src/util/testhook-prod.o
$(HOOK_OBJ): NSX_CFLAGS += -DNSX_TEST_HOOKS

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%.t)

# tests/fuzz/NAME.c: a libFuzzer harness each; `make test` replays its seed
# corpus and past crashes through tests/fuzz/replay.c (TAP)
FUZZ_NAMES := $(filter-out replay,$(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c)))
FUZZ_REPLAYS := $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz-%.t)
UNIT_BINS += $(FUZZ_REPLAYS)

.PHONY: all deps run test check asan test-vm vm-readme fuzz fuzz-build bench scale screenshots install install-only uninstall clean

all: nsx $(BUILD)/nsx

# a rename, not a copy over: ./nsx may be running (a test, a student's shell)
nsx: $(BUILD)/nsx-prod
	@cp $< $@.new && mv -f $@.new $@

# `make V=1` shows the full compiler command lines
Q := $(if $(V),,@)

# with the test hooks: what `make test` runs
$(BUILD)/nsx: $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(NSX_LIBS)

# without them: ./nsx
$(BUILD)/nsx-prod: $(PROD_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(NSX_LIBS)

$(BUILD)/src/util/testhook-prod.o: src/util/testhook.c src/util/testhook.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(NSX_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.c $(wildcard src/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(NSX_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.t: tests/unit/%.c tests/tap.h tests/fixture.h $(LIBOBJS)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(NSX_CFLAGS) -Itests $(CFLAGS) -o $@ $< $(LIBOBJS) $(NSX_LIBS)

# The unit tests' objects in an archive: a harness that includes one file
# of src/ (to reach its static parsers) then links without duplicates.
$(BUILD)/libnsx.a: $(LIBOBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/fuzz-%.t: tests/fuzz/%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(BUILD)/libnsx.a
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(NSX_CFLAGS) -Itests/fuzz -DFUZZ_NAME='"$*"' $(CFLAGS) $(LDFLAGS) -o $@ \
		$< tests/fuzz/replay.c $(BUILD)/libnsx.a $(NSX_LIBS) -ldl

# make fuzz: every harness for FUZZ_TIME seconds on a scratch copy of its
# seeds (tests/fuzz/corpus stays as it is); fails when one finds a crash,
# which is left in build-fuzz/crashes/NAME/ (then: fix it, and add the
# input to tests/fuzz/crashes/NAME/).
FUZZ_TIME ?= 25
FUZZ_BUILD := build-fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# ASan's default 256 MB quarantine keeps every allocation on fresh pages:
# 16 MB makes the parsers that allocate per word or line 3-6 times faster
FUZZ_ASAN ?= quarantine_size_mb=16

fuzz:
	@$(MAKE) --no-print-directory deps DEPS="clang libclang-rt-14-dev"
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang CFLAGS="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" fuzz-build
	@fail=0; for n in $(FUZZ_NAMES); do \
		w=$(FUZZ_BUILD)/work/$$n; a=$(CURDIR)/$(FUZZ_BUILD)/crashes/$$n/; \
		rm -rf $$w && mkdir -p $$w $$a && cp tests/fuzz/corpus/$$n/* $$w/ && \
		{ ! [ -d tests/fuzz/crashes/$$n ] || cp tests/fuzz/crashes/$$n/* $$w/; }; \
		d=; [ ! -f tests/fuzz/$$n.dict ] || d=-dict=tests/fuzz/$$n.dict; \
		echo "fuzz $$n: $(FUZZ_TIME) s"; \
		ASAN_OPTIONS=$(FUZZ_ASAN) $(FUZZ_BUILD)/fuzz/$$n -max_total_time=$(FUZZ_TIME) -timeout=20 -close_fd_mask=3 \
			-artifact_prefix=$$a -print_final_stats=1 $$d $(FUZZ_ARGS) $$w 2>$(FUZZ_BUILD)/$$n.log; \
		rc=$$?; grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' \
			$(FUZZ_BUILD)/$$n.log | sed "s/^/  /"; \
		if [ $$rc != 0 ]; then fail=1; tail -40 $(FUZZ_BUILD)/$$n.log; \
			echo "fuzz $$n: FAILED, input in $$a"; fi; \
	done; exit $$fail

fuzz-build: $(FUZZ_NAMES:%=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(BUILD)/libnsx.a
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(CC) $(NSX_CFLAGS) -Itests/fuzz $(CFLAGS) -fsanitize=fuzzer -o $@ \
		$< $(BUILD)/libnsx.a $(NSX_LIBS) -ldl

# Installs only what is missing; does nothing when everything is there.
deps:
	@missing=""; for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "nsx: missing Debian packages:$$missing (run 'make deps' as root)" >&2; exit 1; \
	fi; \
	echo "installing:$$missing"; \
	if ! apt-get install -y --no-install-recommends $$missing; then \
		apt-get update && apt-get install -y --no-install-recommends $$missing; \
	fi

run: deps
	$(MAKE) all
	./nsx

TESTS_SH := $(wildcard tests/sh/*.t)

test check: all $(UNIT_BINS)
	NSX=$(CURDIR)/$(BUILD)/nsx NSX_TOP=$(CURDIR) NSX_BUILD=$(CURDIR)/$(BUILD) \
		prove -v $(UNIT_BINS) $(TESTS_SH)

asan:
	$(MAKE) BUILD=build-asan \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		NSX_ASAN=1 test-only

test-only: $(BUILD)/nsx $(BUILD)/nsx-prod $(UNIT_BINS)
	NSX=$(CURDIR)/$(BUILD)/nsx NSX_TOP=$(CURDIR) NSX_BUILD=$(CURDIR)/$(BUILD) \
		prove -v $(UNIT_BINS) $(TESTS_SH)

# The VM matrix (tests/vm/matrix, tests/vm/vm): each kernel of
# NSX_VM_KERNELS (Debian suites; default Debian 12's 6.1, 11's 5.10 and
# 13's 6.12) boots under qemu's TCG over this machine's / (read-only, an
# overlay with a tmpfs above) with pure cgroup v2, and runs tests/vm/*.t,
# doctor.t, rootless.t and cgroup.t there; a failure names the test and the kernel.
# Kernels are downloaded with apt-get once, into NSX_VM_CACHE (build/vm);
# the table of what works where is written to build/vm/matrix.md.
test-vm: all
	@test "$$(id -u)" = 0 || { echo "nsx: make test-vm runs as root (the VM reads this machine's / as qemu can)" >&2; exit 1; }
	@$(MAKE) --no-print-directory deps DEPS="qemu-system-x86 busybox-static uidmap python3 systemd dbus-user-session"
	NSX=$(CURDIR)/$(BUILD)/nsx NSX_VM_CACHE="$${NSX_VM_CACHE:-$(CURDIR)/$(BUILD)/vm}" tests/vm/matrix

vm-readme:
	tests/vm/readme "$${NSX_VM_CACHE:-$(CURDIR)/$(BUILD)/vm}/matrix.md" README.md

bench: all
	bench/ls.sh
	bench/levels.sh
	bench/run.sh
	bench/view.sh

# not a benchmark: fails when ls fails or its memory grows faster than linearly
scale: all
	bench/scale.sh

# PNGs in screenshots/ from real runs (tmux capture -> ANSI -> ansilove)
screenshots: all
	@$(MAKE) --no-print-directory deps DEPS="tmux ansilove"
	screenshots/make.sh

# install-only copies what is built and builds nothing: tests/sh/install.t
# uses it, so that a test never compiles or replaces ./nsx.
define install_files
	@test -f nsx || { echo "nsx: ./nsx is not built: run 'make' first" >&2; exit 1; }
	@test -f doc/nsx.1 || { echo "nsx: doc/nsx.1 is missing: the man page must exist before 'make install'" >&2; exit 1; }
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(DATADIR)/nsx/lessons
	install -m 0755 nsx $(DESTDIR)$(BINDIR)/nsx
	install -m 0644 doc/nsx.1 $(DESTDIR)$(MANDIR)/man1/nsx.1
	install -m 0644 completion/nsx.bash $(DESTDIR)$(BASHCOMPDIR)/nsx
	cd lessons && find . -type f ! -name '.*' -exec install -D -m 0644 {} $(DESTDIR)$(DATADIR)/nsx/lessons/{} \;
endef

install: all
	$(install_files)

install-only:
	$(install_files)

# the files install made, and the lessons' directory; shared directories
# (bin, man1, completions) stay
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/nsx $(DESTDIR)$(MANDIR)/man1/nsx.1 $(DESTDIR)$(BASHCOMPDIR)/nsx
	rm -rf $(DESTDIR)$(DATADIR)/nsx

clean:
	rm -rf build build-asan build-fuzz nsx
