# SPDX-License-Identifier: GPL-2.0
#
# vmacct: the module (module/, built by Kbuild), the reader (tools/) and the selftests (selftests/).
# The kernels of check, bench, fuzz and refresh are the rows of scripts/kernels.txt (KERNELS=...
# picks some). HACKING.md says where everything lives and which loop to run when.
#
#   make                 module against KDIR (and the reader, once tools/ has one)
#   make selftests KSFT_DIR=<linux>/tools/testing/selftests   the selftest programs
#   make install         module into /lib/modules/<KDIR's release>/updates, reader into $(PREFIX)/sbin
#   make -C tools check  the reader's host-side tests (seconds)
#   make check-quick     the fast loop: one kernel (the table's default, or KERNELS=...), W=1 build,
#                        one boot with the module basics and the layout and crosscheck selftests
#   make check           the whole kernel matrix in QEMU guests + host-side tests (KERNELS=6.12 for one)
#   make bench           performance against smaps_rollup/top in QEMU guests (not part of check;
#                        the kernels with bench=yes, KERNELS=6.12 for one; build/bench-<kernel>.txt)
#   make fuzz            vmacct_fuzz alone for SECONDS (600) per kernel, two guests at a time (not part
#                        of check; KERNELS="6.12 7.2", SEED=N first seed, SECONDS=0 one seed,
#                        FUZZ_ARGS="--steps N --no-op NAME"; results in build/fuzz-<kernel>.txt)
#   make sweep           every Debian kernel from 6.1 to the newest in backports (not part of check):
#                        W=1 build and one small guest each with every selftest, one table
#   make deb             the Debian packages vmacct-dkms and vmacct (dh, dh-dkms; lintian-checked)
#                        in the DKMS kernel's build root, into build/deb/
#   make report          how wrong top's SHR is on a real Debian system: per kernel (image=deb, or
#                        KERNELS=6.12), its release booted with systemd, sshd, nginx, PostgreSQL, Redis
#                        (BGSAVE), apache2 and a forked Python pool; build/shr-report.{md,json} and the
#                        chart build/shr-chart.svg (scripts/report/; not part of check: VMACCT_REPORT=1)
#   make demo            boot the default kernel with a demonstration workload and show vmacct's view
#   make refresh         pick up newer kernels from the archive for the cached matrix
#   make clean           remove everything built
#   make help            this list

KDIR ?= /lib/modules/$(shell uname -r)/build
# Empty: each script's default from scripts/kernels.txt (every kernel; bench: those with bench=yes;
# check-quick: the default kernel).
KERNELS ?=
PREFIX ?= /usr/local
DESTDIR ?=

all: module $(if $(wildcard tools/Makefile),reader)

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules_install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

reader:
	$(MAKE) -C tools

selftests:
	$(MAKE) -C selftests KSFT_DIR=$(KSFT_DIR)

install: modules_install $(if $(wildcard tools/Makefile),reader_install)

reader_install:
	$(MAKE) -C tools install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

check:
	scripts/check.sh $(KERNELS)

check-quick:
	VMACCT_QUICK=1 scripts/check.sh $(KERNELS)

demo:
	scripts/demo.sh

sweep:
	scripts/sweep.sh

deb:
	scripts/deb.sh

report:
	scripts/report/report.sh $(KERNELS)

bench:
	scripts/bench.sh $(KERNELS)

# SECONDS is make's variable here, not bash's clock: it reaches fuzz.sh as an argument.
SECONDS ?= 600
fuzz:
	scripts/fuzz.sh --seconds $(SECONDS) $(if $(SEED),--seed $(SEED)) \
		$(if $(FUZZ_ARGS),--args "$(FUZZ_ARGS)") $(KERNELS)

refresh:
	scripts/provision.sh refresh $(KERNELS)

clean:
	$(if $(wildcard tools/Makefile),-$(MAKE) -C tools clean)
	rm -rf build selftests/build selftests/build.obj
	find module -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' -o -name '.*.cmd' \
		-o -name 'modules.order' | xargs rm -f
	rm -f Module.symvers modules.order .*.cmd module/Module.symvers

# The head comment of this file is the list: one source for it and for `make help`.
help:
	@sed -n '3,/^[^#]/{/^#/s/^# \{0,1\}//p}' $(firstword $(MAKEFILE_LIST))

.PHONY: all module modules_install reader reader_install selftests install check check-quick bench \
	fuzz sweep demo deb report refresh clean help
