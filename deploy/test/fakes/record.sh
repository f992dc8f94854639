#!/bin/sh
# Sourced by the fakes: appends one call to $FAKE_LOG as fields separated by \037 and ended by
# \036 (arguments may hold newlines and spaces). One printf per call, so that the two ends of a
# pipeline writing at the same time cannot interleave their records.
record() {
  us=$(printf '\037')
  rec="${FAKE_SIDE:-local}${us}$PWD${us}${C3PO_IMAGE:-}"
  for arg in "$@"; do rec="$rec$us$arg"; done
  printf '%s\036' "$rec" >>"$FAKE_LOG"
}
