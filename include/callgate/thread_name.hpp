#pragma once

#include <pthread.h>

namespace callgate {

/** Names the calling thread (at most 15 characters) so top, perf and gdb show what it does. */
inline void name_this_thread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace callgate
