#include "polychrome/thread_pool.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "polychrome/threads.hpp"

#ifdef _WIN32
#include <process.h>
#define POLYCHROME_GETPID _getpid
#else
#include <unistd.h>
#define POLYCHROME_GETPID getpid
#endif

namespace polychrome::detail {

namespace {

// How long a helper that finished a job, and a caller whose helpers are
// finishing their last tasks, poll before they sleep: the stages of one
// call (render, transforms, products) follow each other within this, and a
// thread woken from sleep takes 10-50 us. Short, so that a loaded machine
// loses little to polling (where the default count is then one thread).
constexpr std::chrono::microseconds kHelperPoll{100};
constexpr std::chrono::microseconds kCallerPoll{50};

// Tells the CPU this is a polling loop (frees the core's other hyperthread).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Polls done() until it holds or `limit` has passed; returns done().
template <class Done>
bool poll_for(std::chrono::microseconds limit, const Done& done) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) return done();
    for (int i = 0; i < 32; ++i) cpu_relax();
  }
  return true;
}

// One parallel_for call: shared by its caller and the helpers that join it
// (a helper may come after the call has returned: it then finds no task
// left and touches nothing but this object, which it keeps alive).
//
// The tasks are split into one contiguous range per slot. A thread first
// works through its own range, then takes what is left of the others'
// (one at a time, from the same counters): successive loops over the same
// data (the stages of a transform) then find each range in the cache of the
// core that touched it last, and a helper that never comes only means that
// the others do its range.
class Job {
 public:
  Job(std::size_t tasks, int slots, TaskFunction run_task, const void* body)
      : tasks_(tasks), slots_(slots), run_task_(run_task), body_(body),
        ranges_(static_cast<std::size_t>(slots)) {
    const std::size_t n = ranges_.size();
    for (std::size_t r = 0; r < n; ++r) {
      ranges_[r].next.store(tasks * r / n, std::memory_order_relaxed);
      ranges_[r].end = tasks * (r + 1) / n;
    }
  }

  // A helper's part: take a free slot, if any, and work.
  void help() {
    const int slot = joined_.fetch_add(1, std::memory_order_relaxed);
    if (slot < slots_) work(slot);
  }

  // Run tasks until none is left, own range first, then count them finished
  // (once per thread: a shared counter touched per task would cost more
  // than a small task).
  void work(int slot) {
    std::size_t done = 0;
    const std::size_t n = ranges_.size();
    for (std::size_t i = 0; i < n; ++i) {
      Range& range = ranges_[(static_cast<std::size_t>(slot) + i) % n];
      for (std::size_t t; (t = range.next.fetch_add(1, std::memory_order_relaxed)) < range.end; ++done)
        errors_.run([&] { run_task_(body_, t, slot); });
    }
    if (done > 0 && finished_.fetch_add(done, std::memory_order_acq_rel) + done == tasks_) {
      const std::lock_guard<std::mutex> lock(mutex_);
      all_finished_.notify_all();
    }
  }

  // Until every claimed task has finished; then rethrow the first error.
  void wait() {
    const auto done = [&] { return finished_.load(std::memory_order_acquire) == tasks_; };
    if (!poll_for(kCallerPoll, done)) {
      std::unique_lock<std::mutex> lock(mutex_);
      all_finished_.wait(lock, done);
    }
    errors_.rethrow();
  }

 private:
  const std::size_t tasks_;
  const int slots_;
  const TaskFunction run_task_;
  const void* const body_;
  // The next task and the end of one slot's range, on a cache line of its own.
  struct alignas(64) Range {
    std::atomic<std::size_t> next{0};
    std::size_t end = 0;
  };
  std::vector<Range> ranges_;
  std::atomic<int> joined_{1};  // slot 0 is the caller's
  std::atomic<std::size_t> finished_{0};
  ParallelExceptions errors_;
  std::mutex mutex_;
  std::condition_variable all_finished_;
};

// Helper threads waiting for jobs. One per process: threads are a process
// resource, and a pool per call or per object would start threads per call.
// It is the core's only global mutable state, unavoidable for a pool; the
// pid it records tells a fork child (whose copy has no live threads and may
// hold a mutex locked at the fork) never to touch it.
class ThreadPool {
 public:
  // The pool, or nullptr in a fork child of the process that started it.
  static ThreadPool* for_this_process() {
    // Never destroyed: its detached helpers may still wait on its condition
    // variable while static objects are destroyed at exit.
    static ThreadPool* const pool = std::make_unique<ThreadPool>().release();
    return pool->owner_ == POLYCHROME_GETPID() ? pool : nullptr;
  }

  ThreadPool() : owner_(POLYCHROME_GETPID()) {}

  // Offer the job to up to `helpers` helpers (started on first need; fewer
  // when the system refuses more threads). Returns how many were offered it.
  int post(const std::shared_ptr<Job>& job, int helpers) {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      while (started_ < helpers && started_ < kMaxThreads - 1) {
        awake_.fetch_add(1, std::memory_order_relaxed);  // a new helper starts awake
        try {
          std::thread(&ThreadPool::serve, this).detach();
        } catch (const std::system_error&) {
          awake_.fetch_sub(1, std::memory_order_relaxed);
          break;  // no more threads: run with those there are
        }
        ++started_;
      }
      helpers = std::min(helpers, started_);
      for (int h = 0; h < helpers; ++h) queue_.push_back(job);
      queued_.store(queue_.size(), std::memory_order_relaxed);
    }
    for (int h = 0; h < helpers; ++h) work_available_.notify_one();
    return helpers;
  }

  // Helpers not asleep on work_available_ (see awake_pool_helpers).
  int awake() const noexcept { return awake_.load(std::memory_order_relaxed); }

  // Take back the offers no helper has picked up yet.
  void withdraw(const Job* job) {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = queue_.begin(); it != queue_.end();)
      it = it->get() == job ? queue_.erase(it) : it + 1;
    queued_.store(queue_.size(), std::memory_order_relaxed);
  }

 private:
  [[noreturn]] void serve() {
    for (;;) {
      std::shared_ptr<Job> job;
      poll_for(kHelperPoll, [&] { return queued_.load(std::memory_order_relaxed) > 0; });
      {
        std::unique_lock<std::mutex> lock(mutex_);
        if (queue_.empty()) {
          awake_.fetch_sub(1, std::memory_order_relaxed);
          work_available_.wait(lock, [&] { return !queue_.empty(); });
          awake_.fetch_add(1, std::memory_order_relaxed);
        }
        job = std::move(queue_.front());
        queue_.pop_front();
        queued_.store(queue_.size(), std::memory_order_relaxed);
      }
      job->help();
    }
  }

  const decltype(POLYCHROME_GETPID()) owner_;
  std::mutex mutex_;
  std::condition_variable work_available_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::atomic<std::size_t> queued_{0};  // queue_.size(), for polling without the lock
  int started_ = 0;
  std::atomic<int> awake_{0};
};

}  // namespace

void run_parallel(std::size_t tasks, int threads, TaskFunction run_task, const void* body) {
  ThreadPool* const pool = ThreadPool::for_this_process();
  const int slots = static_cast<int>(std::min<std::size_t>(
      {tasks, static_cast<std::size_t>(threads), static_cast<std::size_t>(kMaxThreads)}));
  const auto job = std::make_shared<Job>(tasks, slots, run_task, body);
  if (pool) {
    try {
      pool->post(job, slots - 1);
    } catch (...) {
      // Out of memory while queueing: whatever was queued is served as
      // usual, and the caller does the rest.
    }
  }
  job->work(0);
  if (pool) pool->withdraw(job.get());
  job->wait();
}

}  // namespace polychrome::detail

namespace polychrome {

int awake_pool_helpers() noexcept {
  const detail::ThreadPool* const pool = detail::ThreadPool::for_this_process();
  return pool ? pool->awake() : 0;
}

}  // namespace polychrome
