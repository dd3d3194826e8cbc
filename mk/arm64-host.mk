# The emulated arm64 follower host (docs/arm64-host.md).
#
#   make arm64-host        the image: build/arm64-host/{base.cpio,vmlinuz},
#                          from Debian's arm64 packages (rebuilt only when
#                          its inputs change: scripts/arm64-host decides)
#   make arm64-host-up     the image, dmvx for both hosts and the arm64 test
#                          programs, then the guest booted in the background
#                          (prints agent=127.0.0.1:PORT certs=DIR)
#   make arm64-host-down   stop the guest
#   make arm64-host-clean  stop it and remove build/arm64-host (the .deb
#                          cache stays in ${DMVX_CACHE:-/var/cache/dmvx})

.PHONY: arm64-host arm64-host-up arm64-host-down arm64-host-clean

# Phony: the inputs include apt's lists, which make cannot see.
arm64-host:
	scripts/arm64-host build

arm64-host-up: arm64-host bin/dmvx bin/arm64/dmvx arm64-progs
	scripts/arm64-host up

arm64-host-down:
	scripts/arm64-host down

arm64-host-clean: arm64-host-down
	rm -rf build/arm64-host
