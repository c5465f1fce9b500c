# tls.bash - for tests/tls_*.bats: certificates made in the test (never
# committed) and openssl s_server started on port 0.  Load after common.

# mkcerts DIR - in DIR: a CA (ca.pem, ca.key); leaves for localhost and
# 127.0.0.1 named good (from the CA), self (self-signed), other (from
# another CA), expired (from the CA, valid only in January 2020) and
# clientonly (extendedKeyUsage clientAuth: the wrong key usage); client
# (a client certificate from the CA).
mkcerts() {
	local d=$1 n
	(
		cd "$d" || exit 1
		for n in ca otherca; do
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
				-nodes -keyout $n.key -out $n.pem -days 2 \
				-subj "/CN=Test $n" \
				-addext basicConstraints=critical,CA:TRUE \
				-addext keyUsage=critical,keyCertSign,cRLSign \
				2>/dev/null || exit 1
		done
		leaf good ca serverAuth
		leaf other otherca serverAuth
		leaf clientonly ca clientAuth
		leaf client ca clientAuth
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -keyout self.key -out self.pem -days 2 \
			-subj /CN=localhost \
			-addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
			2>/dev/null || exit 1
		expired
	)
}

# leaf NAME CA EKU - a CSR and a certificate signed by CA.
leaf() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1.key" -out "$1.csr" -subj /CN=localhost \
		2>/dev/null || return 1
	printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		"extendedKeyUsage=$3" "basicConstraints=CA:FALSE" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" \
		-set_serial "0x$(openssl rand -hex 8)" -days 2 \
		-extfile "$1.ext" -out "$1.pem" 2>/dev/null
}

# expired - signed with openssl ca, which takes a past validity window.
expired() {
	printf '%s\n' '[ca]' 'default_ca = d' '[d]' 'database = index.txt' \
		'new_certs_dir = .' 'serial = serial' 'policy = p' \
		'default_md = sha256' 'unique_subject = no' \
		'[p]' 'commonName = supplied' >ca.cnf
	: >index.txt
	echo 01 >serial
	leaf expired ca serverAuth >/dev/null || return 1
	openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key \
		-in expired.csr -out expired.pem -notext \
		-startdate 20200101000000Z -enddate 20200102000000Z \
		-extfile expired.ext 2>/dev/null
}

# start_s_server NAME ARGS... - openssl s_server -accept 0 ARGS, stdin
# from /dev/null; waits for its "ACCEPT [::]:PORT" line.  Give it -rev or
# -www to serve more than one client: in its default mode s_server relays
# stdin, and the end of /dev/null ends it after the first.  Sets NAME_PID
# and NAME_PORT; stdout and stderr go to NAME.log.
start_s_server() {
	local name=$1 fifo line rfd
	shift
	fifo=$BATS_TEST_TMPDIR/$name.fifo
	mkfifo "$fifo"
	openssl s_server -accept 0 "$@" </dev/null >"$fifo" \
		2>"$BATS_TEST_TMPDIR/$name.log" 3>&- &
	printf -v "${name}_PID" '%s' "$!"
	STARTED+=("$!")
	exec {rfd}<"$fifo"
	while IFS= read -r -t "$WAIT" -u "$rfd" line; do
		[[ $line == ACCEPT* ]] && break
	done
	cat <&"$rfd" >>"$BATS_TEST_TMPDIR/$name.log" 3>&- &
	exec {rfd}<&-
	[[ $line == ACCEPT* ]] || { echo "s_server did not start" >&2; return 1; }
	printf -v "${name}_PORT" '%s' "${line##*:}"
}
