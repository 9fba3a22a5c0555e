#!/bin/sh
# User and groups from the image's files, environment, working directory.
. "$(dirname "$0")/lib.sh"

out=$(run_ct --name u1 --user app -- /bin/sh -c 'id; echo "home=$HOME"; grep -E "^(Cap(Eff|Prm)):" /proc/self/status')
echo "$out"
check_contains "$out" "uid=1000(app) gid=1000(app) groups=10(wheel),29(audio)" "named user with member groups"
check_contains "$out" "home=/home/app" "HOME from passwd"
check_contains "$out" "CapEff:	0000000000000000" "non-root has no effective caps"

out=$(run_ct --name u2 --user app:wheel --group-add audio --group-add 4242 -- /bin/id)
check_contains "$out" "uid=1000(app) gid=10(wheel) groups=29(audio),4242" "explicit group and --group-add"

out=$(run_ct --name u3 --user 4321:4322 -- /bin/sh -c 'id -u; id -g; echo "home=$HOME"')
check_eq "$(echo "$out" | tr '\n' ' ')" "4321 4322 home=/ " "numeric user not in passwd"

out=$(run_ct --name u4 --user 4321 -- /bin/id -g)
check_eq "$out" "0" "numeric user without group gets gid 0"

if run_ct --name u5 --user ghost -- /bin/true 2>"$TMP/err"; then fail "unknown user accepted"; fi
check_contains "$(cat "$TMP/err")" "ghost" "error names the user"

# environment and working directory
printf 'FROM_FILE=1\n# comment\nOVER=file\n' > "$TMP/envfile"
export HOSTVAR=from-host
out=$(run_ct --name e1 --hostname h1 --env-file "$TMP/envfile" --env OVER=cli --env HOSTVAR \
        --workdir /work/dir -- /bin/sh -c 'env | sort; pwd')
echo "$out"
for kv in FROM_FILE=1 OVER=cli HOSTVAR=from-host HOSTNAME=h1 HOME=/root \
          PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /work/dir; do
        check_contains "$out" "$kv" "environment/workdir"
done
[ -d "$TMP/layer/upper/work/dir" ] || fail "missing workdir created"
if echo "$out" | grep -q NOTIFY_SOCKET; then fail "runtime variables leaked"; fi

out=$(run_ct --name e2 --env PATH=/bin -- /bin/sh -c 'echo $PATH')
check_eq "$out" "/bin" "PATH overridable"
# a passwd that is a fifo must not hang the start
rm "$ROOTFS/etc/passwd"; mkfifo "$ROOTFS/etc/passwd"
if timeout 10 "$RUNTIME" run --rootfs "$ROOTFS" --upper "$TMP/layer2" --name e3 -- /bin/true 2>"$TMP/err"; then
        fail "fifo passwd accepted"
fi
check_contains "$(cat "$TMP/err")" "/etc/passwd" "error names the file"
echo PASS
