-- wrk script: authenticated model creation (POST /api/v1/models).
-- TANJI_TOKEN and TANJI_MODEL_FILE come from the environment (bench/http/run.sh).
local token = os.getenv("TANJI_TOKEN")
local f = assert(io.open(os.getenv("TANJI_MODEL_FILE"), "rb"))
local body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
local created = 0
response = function(status, headers, body)
  if status ~= 201 then
    io.stderr:write("status " .. status .. ": " .. body .. "\n")
  end
end
