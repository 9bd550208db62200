#pragma once
// The Lua the Redis store runs. Redis runs a script atomically; inside MULTI/EXEC it also runs
// only if no WATCHed key changed, which is what makes a replica's read–decide–write atomic.

#include <string_view>

namespace callgate::store::redis {

/**
 * Applies one transaction's buffered writes. ARGV: key prefix, the number S of redis_stream
 * sinks, S pairs (stream, maxlen), then operations:
 *   D key ttl_ms                                  a redelivery key
 *   C id json ttl_ms live created_ms match        a call state (+ the live and match indexes)
 * A ttl_ms of 0 or less means "already expired": the key is deleted rather than written, since
 * Redis would otherwise keep it readable for the smallest PX it accepts.
 *   O call type key body at_ms sink source connector owner
 *                                                 an outbox row: next seq, outbox stream entry
 *                                                 "<seq>-0", and every redis_stream sink
 *   L call entry ttl_ms max                       an entry of the call's log (JSON; "q":-1 in
 *                                                 it becomes the seq of the last O): the newest
 *                                                 `max` kept, expiring with the call
 */
inline constexpr std::string_view kCommitScript = R"lua(
local p = ARGV[1]
local nstreams = tonumber(ARGV[2])
local i = 3 + 2 * nstreams
local last_seq = 0
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'D' then
    if tonumber(ARGV[i + 2]) <= 0 then
      redis.call('DEL', ARGV[i + 1])
    else
      redis.call('SET', ARGV[i + 1], '1', 'PX', ARGV[i + 2])
    end
    i = i + 3
  elseif op == 'C' then
    local id, ttl, created, match = ARGV[i + 1], ARGV[i + 3], ARGV[i + 5], ARGV[i + 6]
    local expired = tonumber(ttl) <= 0
    if expired then
      redis.call('DEL', p .. 'call:' .. id)
      redis.call('ZREM', p .. 'calls', id)
    else
      redis.call('SET', p .. 'call:' .. id, ARGV[i + 2], 'PX', ttl)
      redis.call('ZADD', p .. 'calls', created, id)
    end
    if ARGV[i + 4] == '1' and not expired then
      redis.call('ZADD', p .. 'live', created, id)
      if match ~= '' then
        redis.call('ZADD', p .. 'match:' .. match, created, id)
        redis.call('PEXPIRE', p .. 'match:' .. match, ttl)
      end
    else
      redis.call('ZREM', p .. 'live', id)
      if match ~= '' then redis.call('ZREM', p .. 'match:' .. match, id) end
    end
    i = i + 7
  elseif op == 'O' then
    local seq = redis.call('INCR', p .. 'outbox:seq')
    last_seq = seq
    local fields = {'call', ARGV[i + 1], 'type', ARGV[i + 2], 'key', ARGV[i + 3],
                    'body', ARGV[i + 4], 'at', ARGV[i + 5], 'sink', ARGV[i + 6],
                    'source', ARGV[i + 7], 'connector', ARGV[i + 8], 'owner', ARGV[i + 9]}
    redis.call('XADD', p .. 'outbox', seq .. '-0', unpack(fields))
    if ARGV[i + 6] == '' then
      for s = 0, nstreams - 1 do
        redis.call('XADD', ARGV[3 + 2 * s], 'MAXLEN', '~', ARGV[4 + 2 * s], '*',
                   'seq', seq, 'call', ARGV[i + 1], 'type', ARGV[i + 2],
                   'key', ARGV[i + 3], 'body', ARGV[i + 4], 'source', ARGV[i + 7],
                   'connector', ARGV[i + 8], 'owner', ARGV[i + 9])
      end
    end
    i = i + 10
  elseif op == 'L' then
    local log = p .. 'log:' .. ARGV[i + 1]
    redis.call('RPUSH', log, (string.gsub(ARGV[i + 2], '"q":%-1', '"q":' .. last_seq, 1)))
    redis.call('LTRIM', log, -tonumber(ARGV[i + 4]), -1)
    if tonumber(ARGV[i + 3]) > 0 then
      redis.call('PEXPIRE', log, ARGV[i + 3])
    else
      redis.call('DEL', log)
    end
    i = i + 5
  else
    return redis.error_reply('callgate: unknown operation ' .. tostring(op))
  end
end
return 'OK'
)lua";

/** KEYS[1] lease key, ARGV holder and ttl_ms: 1 if the holder has (or now takes) the lease. */
inline constexpr std::string_view kLeaseScript = R"lua(
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
)lua";

}  // namespace callgate::store::redis
