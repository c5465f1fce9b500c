#!/usr/bin/env bats
# ipc sock resolve: getaddrinfo as a table or JSON.

load helpers/common

@test "resolve localhost lists a loopback address" {
	run "$IPC" sock resolve localhost
	assert_success
	assert_line --index 0 --regexp '^FAMILY +TYPE +PROTO +ADDRESS +PORT$'
	assert_line --regexp '^inet +stream +tcp +127\.0\.0\.1 +0$'
}

@test "a service name becomes its port" {
	run "$IPC" sock resolve --type stream 127.0.0.1 http
	assert_success
	assert_line --regexp '^inet +stream +tcp +127\.0\.0\.1 +80$'
}

@test "--json gives one object per address, in order" {
	run "$IPC" sock resolve --json --family inet --type dgram 127.0.0.1 53
	assert_success
	assert_output '{"family":"inet","type":"dgram","protocol":"udp","address":"127.0.0.1","port":53}'
}

@test "--passive with no name gives the wildcard" {
	run "$IPC" sock resolve --passive --family inet --type stream - 8080
	assert_success
	assert_line --regexp '^inet +stream +tcp +0\.0\.0\.0 +8080$'
}

@test "--canon adds the canonical name" {
	run "$IPC" sock resolve --canon --family inet --type stream localhost
	assert_success
	assert_line --index 0 --partial "CANONICAL NAME"
	assert_line --regexp 'localhost$'
}

@test "an unknown host exits 68 with the resolver's words" {
	run "$IPC" sock resolve no-such-host.invalid
	assert_failure 68
	assert_line --index 0 --regexp "^ipc sock resolve: no-such-host\.invalid: .* \(EAI_NONAME\)$"
	assert_line --index 1 --partial "hint: check the spelling"
}

@test "--numeric refuses a name" {
	run "$IPC" sock resolve --numeric localhost
	assert_failure 68
	assert_output --partial "EAI_NONAME"
}

@test "an unknown service is a usage error (64)" {
	run "$IPC" sock resolve localhost no-such-service
	assert_failure 64
	assert_output --partial "(EAI_SERVICE)"
	assert_output --partial "hint:"
}

@test "a temporary resolver failure exits 75" {
	run "$IPC" sock resolve --inject getaddrinfo=EAI_AGAIN localhost
	assert_failure 75
	assert_output --partial "(EAI_AGAIN)"
}

@test "'-' needs a service" {
	run "$IPC" sock resolve -
	assert_usage_error
	assert_line --index 0 "ipc sock resolve: NAME '-' needs a SERVICE"
}

@test "--trace=json shows the getaddrinfo call" {
	run "$IPC" sock resolve --trace=json localhost
	assert_success
	assert_line --index 0 --partial '"ev":"hello","schema":1'
	assert_output --partial '"call":"getaddrinfo"'
}
