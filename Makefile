# SPDX-License-Identifier: GPL-2.0-only
#
# lockgraph: `make` builds everything, `make test` runs the tests (plain and
# under AddressSanitizer/UBSan), `make run` builds and runs the main job,
# `make bench` the benchmarks, `make fuzz` the libFuzzer targets,
# `make install` (PREFIX, DESTDIR) the programs, man pages and systemd units,
# `make vmtest` the QEMU guest tests.  STATIC=1 also builds the static
# lockgraphd, lockgraph and workloads the guests run ($(BUILD)/static/).
# V=1 shows the commands.

CC ?= gcc
FUZZ_CC ?= clang
SANITIZE ?=
FUZZ_SECONDS ?= 60

ifeq ($(SANITIZE),1)
BUILD ?= build-asan
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT := -O1 -g
else
BUILD ?= build
SAN_FLAGS :=
OPT := -O2 -g
endif

CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) -Wall -Wextra -Werror -Wshadow \
	  -Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers \
	  -Wno-format-truncation \
	  -Ianalyzer -Ischema -Icli -Idaemon -Ibpf $(SAN_FLAGS) $(EXTRA_CFLAGS)
DEPFLAGS = -MMD -MP
LDFLAGS := $(SAN_FLAGS) $(EXTRA_LDFLAGS)
SQLITE_LIBS := -lsqlite3
CMOCKA_LIBS := -lcmocka

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

ANALYZER_SRCS := $(wildcard analyzer/*.c)
STORE_SRCS := $(wildcard schema/*.c)
SCHEMA_SQL := $(sort $(wildcard schema/*.sql))
CLI_SRCS := $(wildcard cli/*.c)
DAEMON_SRCS := $(wildcard daemon/*.c)
BPF_SRCS := $(wildcard bpf/*.bpf.c)
TEST_SRCS := $(wildcard tests/test_*.c)
BENCH_SRCS := $(wildcard bench/bench_*.c)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)

ANALYZER_OBJS := $(ANALYZER_SRCS:%.c=$(BUILD)/%.o)
STORE_OBJS := $(STORE_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/schema/schema_sql.o
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
# The daemon's libbpf-free parts (decoder, names, symbols, recordings) are
# a library tests link; only probes.c includes the skeletons.
CAPTURE_SRCS := $(filter-out daemon/lockgraphd.c daemon/probes.c,$(DAEMON_SRCS))
CAPTURE_OBJS := $(CAPTURE_SRCS:%.c=$(BUILD)/%.o)
LIB_CAPTURE := $(BUILD)/libcapture.a
DAEMON_OBJS := $(BUILD)/daemon/lockgraphd.o $(BUILD)/daemon/probes.o
BPF_OBJS := $(BPF_SRCS:%.bpf.c=$(BUILD)/%.bpf.o)
BPF_SKELS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.skel.h)
LOCKGRAPHD := $(if $(wildcard daemon/lockgraphd.c),$(BUILD)/lockgraphd)
LIB_ANALYZER := $(BUILD)/libanalyzer.a
LIB_STORE := $(BUILD)/libstore.a
LOCKGRAPH := $(BUILD)/lockgraph
TESTS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
BENCHES := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)
FUZZERS := $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/%)
# Static binaries for the QEMU guests (busybox initramfs, no shared libs).
WORKLOAD_SRCS := $(wildcard tests/workloads/*.c)
STATIC_BINS := $(BUILD)/static/lockgraph $(if $(LOCKGRAPHD),$(BUILD)/static/lockgraphd) \
	       $(WORKLOAD_SRCS:tests/workloads/%.c=$(BUILD)/static/%)

.PHONY: all deps test check check-build check-asan run bench fuzz clean \
	install uninstall static vmtest
.SECONDARY:
.DEFAULT_GOAL := all

all: $(LOCKGRAPH) $(LOCKGRAPHD) $(TESTS) $(BENCHES) $(if $(filter 1,$(STATIC)),$(STATIC_BINS))

# BPF: CO-RE objects against the running kernel's BTF, one skeleton each.
# Only daemon/ includes the skeletons.
BPFTOOL ?= $(shell command -v bpftool || echo /usr/sbin/bpftool)
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
BPF_CLANG ?= clang
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -Wall -Werror \
	      -I$(BUILD)/bpf -Ibpf

$(BUILD)/bpf/vmlinux.h:
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)test -r $(VMLINUX_BTF) || { echo "no kernel BTF at $(VMLINUX_BTF): cannot build the BPF sources" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c bpf/lockgraph.h bpf/lg_common.bpf.h bpf/lg_source.bpf.h bpf/lg_fault_mutex.bpf.h bpf/lg_rwsem_class.bpf.h $(BUILD)/bpf/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(BPF_CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GENSKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name lg_$* > $@.tmp && mv $@.tmp $@

$(BUILD)/daemon/probes.o: daemon/probes.c $(BPF_SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -I$(BUILD)/bpf $(DEPFLAGS) -c $< -o $@

$(LIB_CAPTURE): $(CAPTURE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/lockgraphd: $(DAEMON_OBJS) $(LIB_CAPTURE) $(LIB_STORE) $(LIB_ANALYZER)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -lbpf -lelf -lz $(SQLITE_LIBS) -lm -o $@

# The same objects, linked statically (Debian's libbpf, libelf, libz and
# sqlite archives; glibc warns that sqlite's dlopen needs shared libraries
# at run time: lockgraph loads no SQLite extensions).
$(BUILD)/static/lockgraphd: $(DAEMON_OBJS) $(LIB_CAPTURE) $(LIB_STORE) $(LIB_ANALYZER)
	$(call msg,LINKSTAT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -static $(LDFLAGS) $^ -lbpf -lelf -lz $(SQLITE_LIBS) -lm -o $@ 2>$@.log || \
		{ cat $@.log >&2; rm -f $@.log; exit 1; }; rm -f $@.log

$(BUILD)/static/lockgraph: $(CLI_OBJS) $(LIB_STORE) $(LIB_ANALYZER)
	$(call msg,LINKSTAT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -static $(LDFLAGS) $^ $(SQLITE_LIBS) -lm -o $@ 2>$@.log || \
		{ cat $@.log >&2; rm -f $@.log; exit 1; }; rm -f $@.log

$(BUILD)/static/%: tests/workloads/%.c
	$(call msg,CCSTAT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -static $(CFLAGS) -pthread $(LDFLAGS) $< -o $@

$(BUILD)/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

# The schema's .sql files, in order, become one C array of strings: the
# migrations the store applies on open.
$(BUILD)/schema/schema_sql.c: $(SCHEMA_SQL) scripts/sql2c.sh
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)scripts/sql2c.sh $(SCHEMA_SQL) > $@.tmp && mv $@.tmp $@

$(BUILD)/schema/schema_sql.o: $(BUILD)/schema/schema_sql.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB_ANALYZER): $(ANALYZER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIB_STORE): $(STORE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LOCKGRAPH): $(CLI_OBJS) $(LIB_STORE) $(LIB_ANALYZER)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(SQLITE_LIBS) -lm -o $@

# test_graph fails chosen allocations of the graph code (its __wrap_malloc).
$(BUILD)/tests/test_graph: LDFLAGS += -Wl,--wrap=malloc -Wl,--wrap=calloc \
	-Wl,--wrap=realloc
$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB_CAPTURE) $(LIB_STORE) $(LIB_ANALYZER)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(CMOCKA_LIBS) $(SQLITE_LIBS) -lm -o $@

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB_CAPTURE) $(LIB_STORE) $(LIB_ANALYZER)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(SQLITE_LIBS) -lm -o $@

deps:
	$(Q)scripts/install-deps.sh test

# Build and run every test: once plain, once under ASan+UBSan; the guest
# tests once, with the static build (they skip, saying why, without a
# kernel image or QEMU).
test: deps
	$(Q)$(MAKE) --no-print-directory check-build static $(FUZZERS)
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 check-build
	$(Q)tests/run.sh build build-asan

static: $(STATIC_BINS)

# Only the QEMU guest tests (tests/vm/run.sh).
vmtest:
	$(Q)scripts/install-deps.sh vm
	$(Q)$(MAKE) --no-print-directory static
	$(Q)tests/vm/run.sh $(BUILD)

check-build: $(LOCKGRAPH) $(LOCKGRAPHD) $(TESTS)

check: check-build
	$(Q)tests/run.sh $(BUILD)

check-asan:
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 check

# RUN_ARGS: extra lockgraphd options, e.g. RUN_ARGS="--duration 30".
run:
	$(Q)scripts/install-deps.sh run
	$(Q)$(MAKE) --no-print-directory $(LOCKGRAPH) $(BUILD)/lockgraphd
	$(Q)scripts/run.sh $(BUILD)/lockgraphd $(LOCKGRAPH) $(RUN_ARGS)

bench:
	$(Q)scripts/install-deps.sh bench
	$(Q)$(MAKE) --no-print-directory $(BENCHES) $(LOCKGRAPH) $(LOCKGRAPHD)
	$(Q)bench/run.sh $(BUILD)

# libFuzzer targets: the analyzer is rebuilt with clang's fuzzer
# instrumentation; each target runs for FUZZ_SECONDS from its seed corpus.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Ianalyzer -Wall -Wextra -Werror \
	       -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all
build-fuzz/analyzer/%.o: analyzer/%.c
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -c $< -o $@

build-fuzz/schema/%.o: schema/%.c
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Ischema $(DEPFLAGS) -c $< -o $@

build-fuzz/schema/schema_sql.o: $(BUILD)/schema/schema_sql.c
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

build-fuzz/daemon/%.o: daemon/%.c
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Ischema -Idaemon -Ibpf $(DEPFLAGS) -c $< -o $@

build-fuzz/%: tests/fuzz/%.c $(ANALYZER_SRCS:%.c=build-fuzz/%.o)
	$(call msg,FUZZLD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ -o $@

# The replay decoder's target takes the capture library and the store too.
build-fuzz/fuzz_replay: tests/fuzz/fuzz_replay.c $(ANALYZER_SRCS:%.c=build-fuzz/%.o) \
		$(CAPTURE_SRCS:%.c=build-fuzz/%.o) $(STORE_SRCS:%.c=build-fuzz/%.o) \
		build-fuzz/schema/schema_sql.o
	$(call msg,FUZZLD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Ischema -Idaemon -Ibpf -fsanitize=fuzzer $^ \
		$(SQLITE_LIBS) -o $@

fuzz:
	$(Q)scripts/install-deps.sh fuzz
	$(Q)$(MAKE) --no-print-directory $(FUZZERS)
	$(Q)tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

# The BPF programs are embedded in lockgraphd (skeletons): nothing else to
# install for them.  Without DESTDIR, the lockgraph user and group are
# created with systemd-sysusers where it exists.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/lockgraph
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
INSTALL_FILES := $(DESTDIR)$(SBINDIR)/lockgraphd $(DESTDIR)$(BINDIR)/lockgraph \
	$(DESTDIR)$(LIBEXECDIR)/lockgraph-boot \
	$(DESTDIR)$(MANDIR)/man8/lockgraphd.8 $(DESTDIR)$(MANDIR)/man8/lockgraph.8 \
	$(DESTDIR)$(UNITDIR)/lockgraphd.service \
	$(DESTDIR)$(UNITDIR)/lockgraphd-early.service \
	$(DESTDIR)$(UNITDIR)/lockgraph-boot-ingest.service \
	$(DESTDIR)$(SYSUSERSDIR)/lockgraph.conf

install: $(LOCKGRAPH) $(BUILD)/lockgraphd
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)scripts/gen-install.sh $(BUILD)/install '$(BINDIR)' '$(SBINDIR)' '$(LIBEXECDIR)'
	$(Q)install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	$(Q)install -m 0755 $(BUILD)/lockgraphd $(DESTDIR)$(SBINDIR)/lockgraphd
	$(Q)install -m 0755 $(LOCKGRAPH) $(DESTDIR)$(BINDIR)/lockgraph
	$(Q)install -m 0755 $(BUILD)/install/lockgraph-boot $(DESTDIR)$(LIBEXECDIR)/
	$(Q)install -m 0644 man/lockgraphd.8 man/lockgraph.8 $(DESTDIR)$(MANDIR)/man8/
	$(Q)install -m 0644 $(BUILD)/install/*.service $(DESTDIR)$(UNITDIR)/
	$(Q)install -m 0644 systemd/lockgraph.sysusers $(DESTDIR)$(SYSUSERSDIR)/lockgraph.conf
	$(Q)if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null; then \
		systemd-sysusers $(SYSUSERSDIR)/lockgraph.conf; fi

uninstall:
	$(Q)rm -f $(INSTALL_FILES)

clean:
	$(Q)rm -rf build build-asan build-fuzz

-include $(shell find build build-asan build-fuzz -type f -name '*.d' 2>/dev/null)
