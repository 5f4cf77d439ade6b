-- wrk: GET a random label of bench_label's numbering (CN-<province>-<year>-<i>),
-- as /api/v1/public/labels/NUMBER, or, with TANJI_REGISTRY=1, a registry page
-- after a random label (keyset paging: /api/v1/public/registry?after=NUMBER).
local provinces = {"110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "310000",
  "320000", "330000", "340000", "350000", "360000", "370000", "410000", "420000", "430000", "440000", "450000",
  "460000", "500000", "510000", "520000", "530000", "540000", "610000", "620000", "630000", "640000", "650000"}
local n = tonumber(os.getenv("TANJI_LABELS") or "1000000")
local registry = os.getenv("TANJI_REGISTRY") == "1"
local category = os.getenv("TANJI_CATEGORY")

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
end

function request()
  local i = math.random(0, n - 1)
  local num = string.format("CN-%s-%d-%07d", provinces[(i % 31) + 1], 2025 + (i % 2), i)
  if registry then
    local q = "/api/v1/public/registry?limit=20&after=" .. num
    if category then q = q .. "&category=" .. category end
    return wrk.format("GET", q)
  end
  return wrk.format("GET", "/api/v1/public/labels/" .. num)
end
