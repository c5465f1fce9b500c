#!/usr/bin/env bats
# The spine: dispatch, the command table, help, usage errors, generated files.

load helpers/common

@test "ipc --version prints the GNU form" {
	run "$IPC" --version
	assert_success
	assert_line --index 0 --regexp '^ipc [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "ipc --list shows the applets that exist" {
	run "$IPC" --list
	assert_success
	assert_line --index 0 --regexp '^APPLET +SUMMARY$'
	assert_output --partial "sock"
}

@test "ipc --list --json gives one object per applet" {
	run "$IPC" --list --json
	assert_success
	echo "$output" | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]'
	assert_line --partial '"applet":"sock"'
}

@test "ipc with no arguments shows the overview" {
	run "$IPC"
	assert_success
	assert_output --partial "usage: ipc APPLET VERB"
}

@test "help leads with examples" {
	run "$IPC" help sock resolve
	assert_success
	assert_line --index 0 --partial "usage: ipc sock resolve [OPTIONS] NAME [SERVICE]"
	assert_line --index 2 "Examples:"
}

@test "--help on a verb is the same text as ipc help" {
	run "$IPC" sock resolve --help
	assert_success
	expected=$("$IPC" help sock resolve)
	assert_output "$expected"
}

@test "a verb may be shortened to a unique prefix" {
	run "$IPC" sock res localhost
	assert_success
	assert_output --partial "127.0.0.1"
}

@test "an unknown verb is a usage error listing the verbs" {
	run "$IPC" sock frobnicate
	assert_failure 64
	assert_line --index 0 "ipc sock frobnicate: unknown verb 'frobnicate'" || \
		assert_line --index 0 "ipc sock: unknown verb 'frobnicate'"
	assert_line --index 1 --partial "hint: the verbs are"
}

@test "an ambiguous prefix is a usage error listing the candidates" {
	run "$IPC" sock s
	assert_failure 64
	assert_line --index 0 "ipc sock: ambiguous verb 's'"
	assert_line --index 1 "hint: it could be serve, send, sniff"
}

@test "make install puts the binary, links, man pages and completions in PREFIX" {
	run make -s -C "$BATS_TEST_DIRNAME/.." install DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/usr \
		BUILD="${IPC%/ipc}"
	assert_success
	root=$BATS_TEST_TMPDIR/root/usr
	assert_file_executable "$root/bin/ipc"
	assert_link_exists "$root/bin/ipc-sock"
	assert_file_exists "$root/share/man/man1/ipc-sock.1"
	assert_file_exists "$root/share/bash-completion/completions/ipc"
	assert_file_exists "$root/share/zsh/site-functions/_ipc"
	assert_file_exists "$root/share/fish/vendor_completions.d/ipc.fish"
	run "$root/bin/ipc-sock" resolve --numeric 127.0.0.1
	assert_success
}

@test "an unknown applet is a usage error" {
	run "$IPC" nosuch
	assert_failure 64
	assert_line --index 0 "ipc: unknown command 'nosuch'"
	assert_line --index 1 --partial "hint:"
}

@test "an unknown option prints the usage line and exits 64" {
	run "$IPC" sock resolve --bogus localhost
	assert_usage_error
	assert_line --index 0 "ipc sock resolve: unknown option '--bogus'"
}

@test "a missing argument prints the usage line and exits 64" {
	run "$IPC" sock resolve
	assert_usage_error
	assert_line --index 0 "ipc sock resolve: missing argument: NAME [SERVICE]"
}

@test "too many arguments is a usage error" {
	run "$IPC" sock resolve a b c
	assert_usage_error
	assert_line --index 0 "ipc sock resolve: unexpected argument 'c'"
}

@test "a bad choice names the choices" {
	run "$IPC" sock resolve --family ipx localhost
	assert_usage_error
	assert_line --index 0 "ipc sock resolve: --family: expected one of any|inet|inet6"
}

@test "the applet can come from the program name (ipc-sock)" {
	run "${IPC}-sock" resolve localhost
	assert_success
	assert_output --partial "127.0.0.1"
}

@test "common options may come before the applet" {
	run "$IPC" --trace=json sock resolve localhost
	assert_success
	assert_output --partial '"ev":"hello"'
}

@test "--trace takes only human or json" {
	run "$IPC" sock resolve --trace=xml localhost
	assert_usage_error
	assert_line --index 0 "ipc sock resolve: --trace: expected one of human|json"
}

@test "a bad --inject spec is a usage error" {
	run "$IPC" sock resolve --inject connect localhost
	assert_usage_error
	assert_line --index 0 --partial "--inject connect: expected CALL=ERRNO"
}

@test "--step without a trace socket is a usage error" {
	run "$IPC" sock resolve --step localhost
	assert_usage_error
	assert_line --index 0 --partial "--step needs a trace socket"
}

@test "completion scripts are generated for bash, zsh and fish" {
	for sh in bash zsh fish; do
		run "$IPC" completion "$sh"
		assert_success
		assert_output --partial "resolve"
	done
	run "$IPC" completion tcsh
	assert_usage_error
}

@test "the bash completion completes verbs and options" {
	source <("$IPC" completion bash)
	set +e	# as in an interactive shell: compgen fails when nothing matches
	COMP_WORDS=(ipc sock re) COMP_CWORD=2
	_ipc
	[[ " ${COMPREPLY[*]} " == *" resolve "* ]]
	COMP_WORDS=(ipc sock resolve --fam) COMP_CWORD=3
	_ipc
	[[ " ${COMPREPLY[*]} " == *" --family "* ]]
	COMP_WORDS=(ipc sock resolve --family "") COMP_CWORD=4
	_ipc
	[[ " ${COMPREPLY[*]} " == *" inet6 "* ]]
	# An option where the verb goes is the default verb's (tui pick).
	COMP_WORDS=(ipc tui --att) COMP_CWORD=2
	_ipc
	[[ " ${COMPREPLY[*]} " == *" --attach "* ]]
}

@test "the zsh and fish completions parse, and fish completes from the table" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	command -v fish >/dev/null || skip "fish is not installed"
	run zsh -n <("$IPC" completion zsh)
	assert_success
	"$IPC" completion fish >"$BATS_TEST_TMPDIR/ipc.fish"
	run fish -c "source '$BATS_TEST_TMPDIR/ipc.fish'; complete -C 'ipc sock re'"
	assert_success
	assert_line --regexp '^resolve	'
	run fish -c "source '$BATS_TEST_TMPDIR/ipc.fish'; complete -C 'ipc sock resolve --family '"
	assert_line --regexp '^inet6	'
	refute_line --regexp '^resolve'
}

@test "the committed completions and man pages match the command table" {
	run env IPC_BUILD="${IPC%/ipc}" "$BATS_TEST_DIRNAME/helpers/generate" check
	assert_success
}

@test "man pages render without warnings" {
	command -v man >/dev/null || skip "man is not installed"
	run bash -c "'$IPC' manpage sock | MANWIDTH=80 man -l -Tutf8 - 2>&1 >/dev/null"
	assert_success
	assert_output ""
}

@test "the demo runs straight through when piped" {
	run bash -c "'$IPC' demo </dev/null | cat"
	assert_success
	assert_output --partial "connect("
	assert_output --partial "ECONNREFUSED"
	assert_output --partial "The server got SIGTERM"
}
