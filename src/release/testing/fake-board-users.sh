#!/bin/sh
# The test board's stand-ins for getent, groupadd, useradd, usermod, chown and udevadm (the
# board-system programs of `tethys provision`; systemctl is fake-board-system.ts). Usage:
# fake-board-users.sh TOOL ARGS…, with TEST_BOARD_ROOT naming the board. State in BOARD/.system:
#   passwd   NAME:UID:GROUP        (root from the start)
#   group    NAME:GID:MEMBERS      (root and dialout from the start, like a fresh Debian;
#                                   i2c and gpio are Raspberry Pi OS groups)
#   owners   INODE USER:GROUP      (chown is kept by inode, as the kernel keeps it: a file
#                                   renamed after its chown keeps its owner)
# and calls.log, one line per call. Exit codes follow the real programs'.
set -u
sys="${TEST_BOARD_ROOT:?TEST_BOARD_ROOT is not set}/.system"
mkdir -p "$sys"
[ -f "$sys/passwd" ] || echo "root:0:root" > "$sys/passwd"
[ -f "$sys/group" ] || printf 'root:0:\ndialout:20:\n' > "$sys/group"
touch "$sys/owners"
tool=$1; shift
echo "$tool $*" >> "$sys/calls.log"
last() { for a in "$@"; do :; done; echo "$a"; }
has() { grep -q "^$2:" "$sys/$1"; }
next_id() { echo $((900 + $(cat "$sys/passwd" "$sys/group" | wc -l))); }
case "$tool" in
  getent)
    line=$(grep "^$2:" "$sys/$1" 2>/dev/null) || exit 2
    if [ "$1" = passwd ]; then echo "$line" | awk -F: '{print $1 ":x:" $2 ":" $2 "::/nonexistent:/usr/sbin/nologin"}'
    else echo "$line" | awk -F: '{print $1 ":x:" $2 ":" $3}'; fi ;;
  groupadd)
    name=$(last "$@")
    has group "$name" && { echo "groupadd: group '$name' already exists" >&2; exit 9; }
    echo "$name:$(next_id):" >> "$sys/group" ;;
  useradd)
    name=$(last "$@")
    has passwd "$name" && { echo "useradd: user '$name' already exists" >&2; exit 9; }
    case " $* " in *" --user-group "*) echo "$name:$(next_id):" >> "$sys/group" ;; esac
    echo "$name:$(next_id):$name" >> "$sys/passwd" ;;
  usermod)
    name=$(last "$@"); groups=""
    while [ $# -gt 0 ]; do [ "$1" = "-G" ] && groups=$2; shift; done
    has passwd "$name" || { echo "usermod: user '$name' does not exist" >&2; exit 6; }
    for g in $(echo "$groups" | tr , ' '); do
      has group "$g" || { echo "usermod: group '$g' does not exist" >&2; exit 6; }
      awk -F: -v g="$g" -v u="$name" 'BEGIN{OFS=":"} $1==g { n=split($3,m,","); f=0; for(i=1;i<=n;i++) if(m[i]==u) f=1; if(!f) $3=($3==""?u:$3","u) } {print}' "$sys/group" > "$sys/group.new" && mv "$sys/group.new" "$sys/group"
    done ;;
  chown)
    owner=$1; shift
    user=${owner%%:*}; group=${owner#*:}
    has passwd "$user" || { echo "chown: invalid user: '$owner'" >&2; exit 1; }
    has group "$group" || { echo "chown: invalid group: '$owner'" >&2; exit 1; }
    for p in "$@"; do
      ino=$(stat -c %i "$p") || exit 1
      grep -v "^$ino " "$sys/owners" > "$sys/owners.new"; echo "$ino $user:$group" >> "$sys/owners.new"
      mv "$sys/owners.new" "$sys/owners"
    done ;;
  udevadm) ;;
  *) echo "$tool: not a board-system program of the test board" >&2; exit 1 ;;
esac
