# scripts/bench.d/lib.sh: helpers the benchmark scripts share (sourced, not
# a benchmark: scripts/bench runs only core, http, revocation, pages and acme).

# free_port: a TCP port on loopback that the kernel has just handed out and
# released (not reserved: start the server on it at once).
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}
