-- Replays pre-signed Stripe deliveries: each line of the list is "<event id>\t<Stripe-Signature>",
-- and the body is the template with that id, so every request carries a new, validly signed event.
local ids, signatures, before, after = {}, {}, nil, nil
local index, path = 0, "/webhook"
-- With a fourth argument "close", each request asks the server to close its connection after the
-- answer: wrk then opens a new one for the next request.
local closing = false

function init (args)
  local list, template = args[1], args[2]
  path = args[3] or path
  closing = args[4] == "close"
  local file = assert(io.open(template, "rb"))
  local text = file:read("*a")
  file:close()
  local at = text:find("@@EVENT_ID@@", 1, true)
  before, after = text:sub(1, at - 1), text:sub(at + #"@@EVENT_ID@@")
  for line in io.lines(list) do
    local tab = line:find("\t", 1, true)
    ids[#ids + 1] = line:sub(1, tab - 1)
    signatures[#signatures + 1] = line:sub(tab + 1)
  end
end

function request ()
  index = index % #ids + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Stripe-Signature"] = signatures[index]
  }
  if closing then headers["Connection"] = "close" end
  return wrk.format("POST", path, headers, before .. ids[index] .. after)
end

function done (summary, latency, requests)
  io.write(string.format('WRK_JSON {"requests":%d,"durationUs":%d,"non2xx":%d,"socketErrors":%d,"p50Us":%d,"p99Us":%d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
