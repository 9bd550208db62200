#pragma once
// The Lua the Redis store runs. Redis runs a script atomically; inside MULTI/EXEC it also runs
// only if no WATCHed key changed, which is what makes a replica's read–decide–write atomic.

#include <string_view>

namespace callgate::store::redis {

/**
 * Applies one transaction's buffered writes. Every key it touches is in KEYS (so that it runs on
 * Redis Cluster, where a deployment's keys share one hash tag and so one slot): KEYS[1..4] are
 * outbox:seq, outbox, live and calls, then one per redis_stream sink, then the operations' own.
 * ARGV: the number S of redis_stream sinks, their S maxlens, then operations, where k is the
 * index in KEYS of the operation's key:
 *   D k ttl_ms                                   a redelivery key
 *   C id k match_k json ttl_ms live created_ms   a call state (+ the live index, and the match
 *                                                index at KEYS[match_k] unless match_k is 0)
 * A ttl_ms of 0 or less means "already expired": the key is deleted rather than written, since
 * Redis would otherwise keep it readable for the smallest PX it accepts.
 *   O call type key body at_ms sink source connector owner
 *                                                an outbox row: next seq, outbox stream entry
 *                                                "<seq>-0", and every redis_stream sink
 *   L k entry ttl_ms max                         an entry of the call's log (JSON; "q":-1 in
 *                                                it becomes the seq of the last O): the newest
 *                                                `max` kept, expiring with the call
 */
inline constexpr std::string_view kCommitScript = R"lua(
local seq_key, outbox, live, calls = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local nstreams = tonumber(ARGV[1])
local i = 2 + nstreams
local last_seq = 0
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'D' then
    local k = KEYS[tonumber(ARGV[i + 1])]
    if tonumber(ARGV[i + 2]) <= 0 then
      redis.call('DEL', k)
    else
      redis.call('SET', k, '1', 'PX', ARGV[i + 2])
    end
    i = i + 3
  elseif op == 'C' then
    local id, k, match_k = ARGV[i + 1], KEYS[tonumber(ARGV[i + 2])], tonumber(ARGV[i + 3])
    local ttl, created = ARGV[i + 5], ARGV[i + 7]
    local match = match_k > 0 and KEYS[match_k] or nil
    local expired = tonumber(ttl) <= 0
    if expired then
      redis.call('DEL', k)
      redis.call('ZREM', calls, id)
    else
      redis.call('SET', k, ARGV[i + 4], 'PX', ttl)
      redis.call('ZADD', calls, created, id)
    end
    if ARGV[i + 6] == '1' and not expired then
      redis.call('ZADD', live, created, id)
      if match then
        redis.call('ZADD', match, created, id)
        redis.call('PEXPIRE', match, ttl)
      end
    else
      redis.call('ZREM', live, id)
      if match then redis.call('ZREM', match, id) end
    end
    i = i + 8
  elseif op == 'O' then
    local seq = redis.call('INCR', seq_key)
    last_seq = seq
    local fields = {'call', ARGV[i + 1], 'type', ARGV[i + 2], 'key', ARGV[i + 3],
                    'body', ARGV[i + 4], 'at', ARGV[i + 5], 'sink', ARGV[i + 6],
                    'source', ARGV[i + 7], 'connector', ARGV[i + 8], 'owner', ARGV[i + 9]}
    redis.call('XADD', outbox, seq .. '-0', unpack(fields))
    if ARGV[i + 6] == '' then
      for s = 1, nstreams do
        redis.call('XADD', KEYS[4 + s], 'MAXLEN', '~', ARGV[1 + s], '*',
                   'seq', seq, 'call', ARGV[i + 1], 'type', ARGV[i + 2],
                   'key', ARGV[i + 3], 'body', ARGV[i + 4], 'source', ARGV[i + 7],
                   'connector', ARGV[i + 8], 'owner', ARGV[i + 9])
      end
    end
    i = i + 10
  elseif op == 'L' then
    local log = KEYS[tonumber(ARGV[i + 1])]
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
