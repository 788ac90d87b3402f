-- wrk script for scripts/bench http: POST pre-made request bodies in turn,
-- count the answers by status, and print one machine-readable RESULT line.
--
--   wrk ... -s issue.lua URL -- BODIES PATH CONTENT_TYPE [TOKEN]
--
-- BODIES is a file of request bodies, each one followed by a form feed
-- (\f): PEM CSRs for privca, JSON sign requests for cfssl. Each thread
-- starts at its own place in the list, so threads do not send the same CSR
-- at the same moment. TOKEN, when given, goes into "Authorization: Bearer".

local threads = {}

function setup(thread)
	thread:set("id", #threads)
	table.insert(threads, thread)
end

local bodies = {}
local path = "/"
local headers = {}
local next_body = 0

function init(args)
	local f = assert(io.open(args[1], "rb"))
	local data = f:read("*a")
	f:close()
	for b in data:gmatch("([^\f]+)\f") do
		bodies[#bodies + 1] = b
	end
	assert(#bodies > 0, "no request bodies in " .. args[1])
	path = args[2]
	headers["Content-Type"] = args[3]
	if args[4] ~= nil and args[4] ~= "" then
		headers["Authorization"] = "Bearer " .. args[4]
	end
	-- id is set by setup() before init() runs in the thread's own state.
	next_body = (id * 7919) % #bodies
	ok, created, bad = 0, 0, 0
end

function request()
	next_body = next_body % #bodies + 1
	return wrk.format("POST", path, headers, bodies[next_body])
end

function response(status, _, _)
	if status == 201 then
		created = created + 1
	end
	if status >= 200 and status < 300 then
		ok = ok + 1
	else
		bad = bad + 1
	end
end

function done(summary, latency, _)
	local o, c, b = 0, 0, 0
	for _, t in ipairs(threads) do
		o = o + t:get("ok")
		c = c + t:get("created")
		b = b + t:get("bad")
	end
	local e = summary.errors
	io.write(string.format(
		"RESULT ok=%d created=%d bad=%d errors=%d duration_us=%d p50_us=%d p99_us=%d\n",
		o, c, b, e.connect + e.read + e.write + e.timeout, summary.duration,
		latency:percentile(50), latency:percentile(99)))
end
