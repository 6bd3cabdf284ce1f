-- POST JSON bodies and count what wrk itself does not: non-2xx answers and envelopes that are not
-- a success (isSuccess != true), so a run that was fast only because it answered errors is flagged.
--
--   wrk -s post.lua URL -- '<json body>'                      the same body on every request
--   wrk -s post.lua URL -- '<template>' START STRIDE          a new body per request: every "{n}"
--                                                             in the template becomes START, START+1, ...
-- The bearer token comes with -H. done() prints one line "WRK_JSON {...}" for the harness.

local threads = {}

function setup(thread)
   thread:set("thread_index", #threads)
   table.insert(threads, thread)
end

function init(args)
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   template = args[1]
   if args[2] ~= nil then
      -- Thread k of S sends START+k, START+k+S, ...: no two requests share an index.
      stride = tonumber(args[3] or "1")
      next_index = tonumber(args[2]) + thread_index
   else
      wrk.body = template
      static_request = wrk.format()
   end
   non_2xx = 0
   not_success = 0
   sample = ""
end

function request()
   if static_request ~= nil then
      return static_request
   end
   local body = string.gsub(template, "{n}", tostring(next_index))
   next_index = next_index + stride
   return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non_2xx = non_2xx + 1
   end
   -- Key order and spacing differ between servers (Flask sorts keys, Prism keeps the spec's order).
   if not string.find(body, '"isSuccess"%s*:%s*true') then
      not_success = not_success + 1
      if sample == "" then
         sample = string.format("HTTP %d %s", status, string.sub(body, 1, 300))
      end
   end
end

local function json_string(text)
   local escaped = string.gsub(text, '[%c"\\]', function(char)
      return string.format("\\u%04x", string.byte(char))
   end)
   return '"' .. escaped .. '"'
end

function done(summary, latency, requests)
   local bad_status, bad_envelope, first_sample = 0, 0, ""
   for _, thread in ipairs(threads) do
      bad_status = bad_status + thread:get("non_2xx")
      bad_envelope = bad_envelope + thread:get("not_success")
      if first_sample == "" then
         first_sample = thread:get("sample")
      end
   end
   local e = summary.errors
   io.write("WRK_JSON ")
   io.write(string.format(
      '{"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, ' ..
      '"write": %d, "status": %d, "timeout": %d}, "non_2xx": %d, "not_success": %d, ' ..
      '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "stdev": %.1f, "p50": %d, "p90": %d, ' ..
      '"p99": %d, "p999": %d}, "sample": %s}\n',
      summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
      e.timeout, bad_status, bad_envelope, latency.min, latency.mean, latency.max, latency.stdev,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), json_string(first_sample)))
end
