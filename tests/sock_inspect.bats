#!/usr/bin/env bats
# ipc sock options, families, netlink and sniff: looking inside the kernel's
# sockets, families, interfaces and packets.
#
# Every capture has --timeout 10 as well as --count, so a lost packet fails
# the test (exit 75) instead of hanging it.

bats_require_minimum_version 1.5.0

load helpers/common

# Each JSON line on stdin parses; prints how many there were.
json_lines() {
	python3 -c 'import json, sys; print(sum(1 for l in sys.stdin if json.loads(l)))'
}

need_root() {
	[ "$(id -u)" = 0 ] || skip "capturing needs CAP_NET_RAW (root)"
}

# --- options -----------------------------------------------------------

@test "options: TCP's options with their defaults and meanings" {
	run --separate-stderr "$IPC" sock options
	assert_success
	assert_line --index 0 --regexp '^NAME +LEVEL +VALUE +MEANING$'
	assert_line --regexp '^SO_REUSEADDR +SOL_SOCKET +0 +bind even while'
	assert_line --regexp '^TCP_NODELAY +IPPROTO_TCP +0 +send small writes'
	assert_line --regexp '^SO_TYPE +SOL_SOCKET +1 '
	assert_line --regexp '^SO_LINGER +SOL_SOCKET +off '
	assert_line --regexp '^IP_TTL +IPPROTO_IP +[0-9]+ '
	refute_line --partial "SO_PASSCRED"
	refute_line --partial "SO_BROADCAST"
}

@test "options: --type unix shows Unix options only" {
	run "$IPC" sock options --type unix
	assert_success
	assert_line --regexp '^SO_PASSCRED +SOL_SOCKET +0 '
	assert_line --regexp '^SO_DOMAIN +SOL_SOCKET +1 '
	refute_line --partial "TCP_"
	refute_line --partial "IP_TTL"
	refute_line --partial "IPV6_V6ONLY"
}

@test "options: --type udp --json reads IPv6 options from an AF_INET6 socket" {
	run --separate-stderr "$IPC" sock options --type udp --json
	assert_success
	assert_equal "$(json_lines <<<"$output")" "${#lines[@]}"
	assert_line '{"name":"SO_TYPE","level":"SOL_SOCKET","value":"2","meaning":"the socket type: 1 stream, 2 datagram, 5 seqpacket (read-only)"}'
	assert_line --partial '{"name":"SO_BROADCAST","level":"SOL_SOCKET","value":"0"'
	assert_line --partial '{"name":"IPV6_V6ONLY","level":"IPPROTO_IPV6",'
	refute_line --partial '"TCP_'
}

@test "options: an option the kernel refuses shows '-', and the errno in JSON" {
	run "$IPC" sock options --inject getsockopt=ENOPROTOOPT:1
	assert_success
	assert_line --index 1 --regexp '^SO_REUSEADDR +SOL_SOCKET +- +bind even'
	run "$IPC" sock options --json --inject getsockopt=ENOPROTOOPT:1
	assert_success
	assert_line --index 0 --partial '"name":"SO_REUSEADDR","level":"SOL_SOCKET","value":null,"error":"ENOPROTOOPT","reason":"protocol not available"'
}

@test "options: without IPv6 the IPv6-only options are left out" {
	run "$IPC" sock options --inject socket=EAFNOSUPPORT:2
	assert_success
	assert_line --partial "TCP_NODELAY"
	refute_line --partial "IPV6_"
}

@test "options: a socket that cannot be made is an error with a hint" {
	run "$IPC" sock options --inject socket=EMFILE
	assert_failure 71
	assert_line --index 0 "ipc sock options: socket: too many open files (EMFILE)"
	assert_line --index 1 --partial "hint:"
}

@test "options: a bad --type is a usage error" {
	run "$IPC" sock options --type sctp
	assert_usage_error
	assert_line --index 0 "ipc sock options: --type: expected one of tcp|udp|unix"
}

@test "options: takes no arguments" {
	run "$IPC" sock options tcp
	assert_usage_error
	assert_line --index 0 "ipc sock options: unexpected argument 'tcp'"
}

@test "options: --trace=json shows socket, the getsockopt calls, close" {
	run --separate-stderr "$IPC" sock options --type unix --trace=json
	assert_success
	calls=$(grep -o '"call":"[a-z]*"' <<<"$stderr" | uniq -c | sed 's/^ *//')
	assert_equal "$calls" $'1 "call":"socket"\n13 "call":"getsockopt"\n1 "call":"close"'
}

# --- families ----------------------------------------------------------

@test "families: one row per family, INET, UNIX and NETLINK work" {
	run --separate-stderr "$IPC" sock families
	assert_success
	assert_equal "${#lines[@]}" 11
	assert_line --index 0 --regexp '^FAMILY +PROBED WITH +RESULT +WHAT IT IS FOR$'
	assert_line --regexp '^AF_INET +SOCK_STREAM +yes +IPv4'
	assert_line --regexp '^AF_UNIX +SOCK_STREAM +yes +local sockets'
	assert_line --regexp '^AF_NETLINK +SOCK_RAW +yes +'
	for f in AF_INET6 AF_PACKET AF_ALG AF_VSOCK AF_CAN AF_TIPC AF_RDS; do
		assert_line --regexp "^$f +SOCK_[A-Z]+ +(yes|E[A-Z]+) +"
	done
}

@test "families: --json gives the errno and what it means" {
	run --separate-stderr "$IPC" sock families --json --inject socket=EAFNOSUPPORT:1
	assert_success
	assert_equal "$(json_lines <<<"$output")" 10
	assert_line --index 0 '{"family":"AF_INET","number":2,"type":"SOCK_STREAM","protocol":0,"supported":false,"result":"EAFNOSUPPORT","reason":"not built into this kernel, or its module is not loaded","note":"IPv4: TCP, UDP and raw IP between hosts; see ip(7)"}'
	assert_line --index 2 --partial '"family":"AF_UNIX","number":1,"type":"SOCK_STREAM","protocol":0,"supported":true,"result":"yes","note"'
}

@test "families: a family that needs privilege says EPERM" {
	run "$IPC" sock families --inject socket=EPERM:5
	assert_success
	assert_line --regexp '^AF_PACKET +SOCK_RAW +EPERM +whole link-layer'
	run "$IPC" sock families --json --inject socket=EPROTONOSUPPORT:4
	assert_line --index 3 --partial '"result":"EPROTONOSUPPORT","reason":"the family exists, but not with this type or protocol"'
}

@test "families: --trace=json shows each socket closed at once" {
	run --separate-stderr "$IPC" sock families --trace=json
	assert_success
	first=$(grep -o '"call":"[a-z]*"' <<<"$stderr" | head -4 | tr '\n' ' ')
	assert_equal "$first" '"call":"socket" "call":"close" "call":"socket" "call":"close" '
	assert_equal "$(grep -c '"call":"socket"' <<<"$stderr")" 10
}

@test "families: takes no arguments" {
	run "$IPC" sock families inet
	assert_usage_error
	assert_line --index 0 "ipc sock families: unexpected argument 'inet'"
}

# --- netlink -----------------------------------------------------------

@test "netlink: lo is listed with its loopback addresses" {
	run --separate-stderr "$IPC" sock netlink
	assert_success
	assert_line --index 0 --regexp '^INTERFACE +STATE +ADDRESSES$'
	assert_line --regexp '^lo +[A-Z]+ +127\.0\.0\.1/8( |$)'
}

@test "netlink: the interface names are those ip(8) or /sys see" {
	run --separate-stderr "$IPC" sock netlink --json
	assert_success
	ours=$(python3 -c 'import json, sys; print("\n".join(sorted(json.loads(l)["name"] for l in sys.stdin)))' <<<"$output")
	if command -v ip >/dev/null; then
		theirs=$(ip -brief link | sed 's/[@ ].*//' | sort)
	else
		theirs=$(ls /sys/class/net | sort)
	fi
	assert_equal "$ours" "$theirs"
}

@test "netlink: --json has the index, MAC and address list" {
	run --separate-stderr "$IPC" sock netlink --json
	assert_success
	assert_line --regexp '^\{"name":"lo","index":[0-9]+,"state":"[A-Z]+","mac":"00:00:00:00:00:00","addresses":\["127\.0\.0\.1/8"'
}

@test "netlink: --trace=json shows two dumps: sendto, then recvmsg until done" {
	run --separate-stderr "$IPC" sock netlink --trace=json
	assert_success
	calls=$(grep -o '"call":"[a-z]*"' <<<"$stderr" | uniq | tr '\n' ' ')
	assert_equal "$calls" '"call":"socket" "call":"sendto" "call":"recvmsg" "call":"sendto" "call":"recvmsg" "call":"close" '
	assert_output --partial "127.0.0.1/8"
}

@test "netlink: EINTR on send or receive is retried" {
	run "$IPC" sock netlink --inject sendto=EINTR:1 --inject recvmsg=EINTR:2
	assert_success
	assert_line --regexp '^lo +'
}

@test "netlink: a socket it may not open exits 77" {
	run "$IPC" sock netlink --inject socket=EPERM
	assert_failure 77
	assert_line --index 0 "ipc sock netlink: socket(AF_NETLINK): operation not permitted (EPERM)"
	assert_line --index 1 --partial "hint:"
}

@test "netlink: a receive error names the dump" {
	run "$IPC" sock netlink --inject recvmsg=ENOBUFS:1
	assert_failure 71
	assert_line --index 0 "ipc sock netlink: RTM_GETLINK: no buffer space available (ENOBUFS)"
	run "$IPC" sock netlink --inject sendto=EPERM:2
	assert_failure 77
	assert_line --index 0 "ipc sock netlink: RTM_GETADDR: operation not permitted (EPERM)"
}

@test "netlink: takes no arguments" {
	run "$IPC" sock netlink lo
	assert_usage_error
	assert_line --index 0 "ipc sock netlink: unexpected argument 'lo'"
}

# --- sniff: errors -----------------------------------------------------

@test "sniff: without CAP_NET_RAW it exits 77 with a hint" {
	run "$IPC" sock sniff --inject socket=EPERM
	assert_failure 77
	assert_line --index 0 "ipc sock sniff: socket(AF_PACKET): operation not permitted (EPERM)"
	assert_line --index 1 'hint: needs CAP_NET_RAW: run as root, or `sudo setcap cap_net_raw+ep $(command -v ipc)`'
}

@test "sniff: an unknown interface is a usage error pointing at netlink" {
	run "$IPC" sock sniff no-such-if0
	assert_failure 64
	assert_line --index 0 "ipc sock sniff: no-such-if0: no such device (ENODEV)"
	assert_line --index 1 "hint: no interface of that name; 'ipc sock netlink' lists them"
}

@test "sniff: bad --port, --count and --proto are usage errors" {
	run "$IPC" sock sniff --port 70000
	assert_usage_error
	assert_line --index 0 "ipc sock sniff: --port: not a port number: 70000"
	run "$IPC" sock sniff --count -1
	assert_usage_error
	assert_line --index 0 "ipc sock sniff: --count: must be 0 or more"
	run "$IPC" sock sniff --proto icmp
	assert_usage_error
	assert_line --index 0 "ipc sock sniff: --proto: expected one of tcp|udp"
	run "$IPC" sock sniff lo eth0
	assert_usage_error
	assert_line --index 0 "ipc sock sniff: unexpected argument 'eth0'"
}

@test "sniff: --trace=json shows socket, ioctl, the filter, then bind" {
	need_root
	run --separate-stderr "$IPC" sock sniff --trace=json --port 9 --inject bind=ENODEV lo
	assert_failure 74
	calls=$(grep -o '"call":"[a-z]*"' <<<"$stderr" | tr '\n' ' ')
	assert_equal "$calls" '"call":"socket" "call":"ioctl" "call":"setsockopt" "call":"bind" "call":"close" '
	run grep -v '^{' <<<"$stderr"
	assert_line --index 0 "ipc sock sniff: lo: no such device (ENODEV)"
}

# --- sniff: real captures on lo ----------------------------------------

@test "sniff: a TCP handshake shows [S], [S.] and [.]" {
	need_root
	start_server py py_peer echo-server
	start_server sniff "$IPC" sock sniff --count 3 --timeout 10 --port "$py_PORT" lo
	run py_peer connect "$py_PORT" hello
	assert_output "hello"
	wait_server sniff
	assert_equal "$sniff_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/sniff.out"
	assert_equal "${#lines[@]}" 3
	port=$py_PORT
	assert_line --index 0 --regexp "^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} lo < IPv4 127\.0\.0\.1:[0-9]+ > 127\.0\.0\.1:$port TCP \[S\] seq [0-9]+ win [0-9]+ len 0$"
	assert_line --index 1 --regexp " lo < IPv4 127\.0\.0\.1:$port > 127\.0\.0\.1:[0-9]+ TCP \[S\.\] seq [0-9]+ ack [0-9]+ win [0-9]+ len 0$"
	assert_line --index 2 --regexp " lo < IPv4 127\.0\.0\.1:[0-9]+ > 127\.0\.0\.1:$port TCP \[\.\] seq [0-9]+ ack [0-9]+ win [0-9]+ len 0$"
	run server_log sniff
	assert_line --index 0 "listening lo"
	assert_line --index 1 "3 packets captured"
}

@test "sniff: --json records a UDP datagram, --proto udp skips TCP" {
	need_root
	start_server udp py_peer udp-echo
	start_server sniff "$IPC" sock sniff --json --proto udp --port "$udp_PORT" --count 1 --timeout 10
	printf hello | socat -u - "UDP-SENDTO:127.0.0.1:$udp_PORT"
	wait_server sniff
	assert_equal "$sniff_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/sniff.out"
	assert_equal "$(json_lines <<<"$output")" 1
	assert_output --regexp '"interface":"lo","direction":"in","length":47,"captured":47,"src_mac":"00:00:00:00:00:00","dst_mac":"00:00:00:00:00:00","ethertype":"IPv4","src":"127.0.0.1","dst":"127.0.0.1","ttl":64,"protocol":"UDP","ip_payload":13,"sport":[0-9]+,"dport":'"$udp_PORT"',"payload":5,"summary":"IPv4 127\.0\.0\.1:[0-9]+ > 127\.0\.0\.1:'"$udp_PORT"' UDP len 5"\}$'
}

@test "sniff: --hex dumps the packet; IPv6 is decoded too" {
	need_root
	have_v6=$(python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0)); print(1)' 2>/dev/null || true)
	[ "$have_v6" = 1 ] || skip "no IPv6 on lo"
	start_server udp py_peer udp-echo
	start_server sniff "$IPC" sock sniff --hex --proto udp --port "$udp_PORT" --count 1 --timeout 10 --inject recvmsg=EINTR:1
	printf hello | socat -u - "UDP6-SENDTO:[::1]:$udp_PORT"
	wait_server sniff
	assert_equal "$sniff_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/sniff.out"
	assert_line --index 0 --regexp " lo < IPv6 \[::1\]:[0-9]+ > \[::1\]:$udp_PORT UDP len 5$"
	assert_line --index 1 --regexp '^< 67 bytes received at \+[0-9]+\.[0-9]{6}s$'
	assert_line --index 2 --regexp '^00000000  00 00 00 00 00 00 00 00  00 00 00 00 86 dd 6'
	assert_line --index 6 --regexp '^00000040  6c 6c 6f +\|llo\|$'
}

@test "sniff: --timeout with nothing captured exits 75" {
	need_root
	start_server py py_peer echo-server
	run --separate-stderr "$IPC" sock sniff --timeout 0.2 --proto udp --port "$py_PORT"
	assert_failure 75
	assert_output ""
	assert_equal "$stderr" "listening lo
0 packets captured
ipc sock sniff: lo: no packet in 0.2s
hint: is there traffic on lo? check --port and --proto"
}

@test "sniff: SIGTERM ends the capture cleanly with a summary" {
	need_root
	start_server py py_peer echo-server
	start_server sniff "$IPC" sock sniff --port "$py_PORT"
	stop_server sniff TERM
	assert_equal "$sniff_STATUS" 0
	run server_log sniff
	assert_output "listening lo
0 packets captured"
}

@test "sniff: a receive error ends the capture with its errno" {
	need_root
	start_server py py_peer echo-server
	start_server sniff "$IPC" sock sniff --port "$py_PORT" --timeout 10 --inject recvmsg=ENETDOWN
	run py_peer connect "$py_PORT" x
	wait_server sniff
	assert_equal "$sniff_STATUS" 69
	run server_log sniff
	assert_line --index 1 "ipc sock sniff: lo: network is down (ENETDOWN)"
	assert_line --index 2 --partial "hint:"
}
