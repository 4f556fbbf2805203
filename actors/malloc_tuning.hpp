// Sizes glibc's per-thread allocation cache for the actors' traffic. A message is allocated
// on the sender's thread and freed on the receiver's; glibc's cache keeps only 7 freed
// chunks per size, so the rest go back to the sender's arena under its lock, and the
// threads queue on those locks (about 40% of the actors benchmark's samples were in
// malloc and free, with futex waits). glibc reads its tunables only when a process starts,
// so a process that wants them calls this first thing in main: it re-executes itself once
// with `glibc.malloc.tcache_count` added to GLIBC_TUNABLES (same pid, same descriptors).
// ESCROWD_MALLOC_TUNING=off skips it; so does a GLIBC_TUNABLES that already sets the count.
// Thread affinity: call before any other thread starts.
#pragma once

namespace escrowd::actors {

// Chunks per size class in each thread's cache: 1.1-1.25x durable transitions/s in the
// actors benchmark (bench/RESULTS.md), at most a few MiB more per thread.
inline constexpr unsigned malloc_thread_cache_count = 1024;

// Returns only if no re-execution was needed or it failed (then the process runs untuned).
void reexec_with_malloc_tuning(char** argv);

}  // namespace escrowd::actors
