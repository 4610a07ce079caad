#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Stands in for procps top in the host tests: checks that vmacct asked for one batch iteration of
# the expected pids, then prints recorded top output ($FAKE_TOP_OUTPUT).
case " $* " in
*" -b -n 1 "*" -p $FAKE_TOP_PIDS "*) cat "$FAKE_TOP_OUTPUT" ;;
*) echo "fake-top: unexpected arguments: $*" >&2; exit 1 ;;
esac
