# SPDX-License-Identifier: GPL-2.0
#
# vmacct: the module (module/, built by Kbuild), the reader (tools/) and the selftests (selftests/).
#
#   make                 module against KDIR, reader, selftests   (a real Linux box)
#   make install         module into /lib/modules/<KDIR's release>/updates, reader into $(PREFIX)/sbin
#   make check           the whole kernel matrix in QEMU guests + host-side tests (KERNELS=6.12 for one)
#   make demo            boot the default kernel with a demonstration workload and show vmacct's view
#   make refresh         pick up newer kernels from the archive for the cached matrix
#   make clean           remove everything built

KDIR ?= /lib/modules/$(shell uname -r)/build
KERNELS ?= 6.1 6.12 7.2
PREFIX ?= /usr/local
DESTDIR ?=

all: module reader selftests

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules_install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

reader:
	$(MAKE) -C tools

selftests:
	$(MAKE) -C selftests

install: modules_install
	$(MAKE) -C tools install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

check:
	scripts/check.sh $(KERNELS)

demo:
	scripts/demo.sh

refresh:
	scripts/provision.sh refresh $(KERNELS)

clean:
	-$(MAKE) -C tools clean
	-$(MAKE) -C selftests clean
	rm -rf build
	find module -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' -o -name '.*.cmd' \
		-o -name 'modules.order' | xargs rm -f
	rm -f Module.symvers modules.order .*.cmd module/Module.symvers

.PHONY: all module modules_install reader selftests install check demo refresh clean
