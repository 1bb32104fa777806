#include "polychrome/thread_pool.hpp"

#include <algorithm>
#include <atomic>
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

// One parallel_for call: shared by its caller and the helpers that join it
// (a helper may come after the call has returned: it then finds no task
// left and touches nothing but this object, which it keeps alive).
class Job {
 public:
  Job(std::size_t tasks, int slots, TaskFunction run_task, const void* body)
      : tasks_(tasks), slots_(slots), run_task_(run_task), body_(body) {}

  // A helper's part: take a free slot, if any, and work.
  void help() {
    const int slot = joined_.fetch_add(1, std::memory_order_relaxed);
    if (slot < slots_) work(slot);
  }

  // Claim tasks until none is left.
  void work(int slot) {
    for (std::size_t t; (t = next_.fetch_add(1, std::memory_order_relaxed)) < tasks_;) {
      errors_.run([&] { run_task_(body_, t, slot); });
      if (finished_.fetch_add(1, std::memory_order_acq_rel) + 1 == tasks_) {
        const std::lock_guard<std::mutex> lock(mutex_);
        all_finished_.notify_all();
      }
    }
  }

  // Until every claimed task has finished; then rethrow the first error.
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    all_finished_.wait(lock, [&] { return finished_.load(std::memory_order_acquire) == tasks_; });
    lock.unlock();
    errors_.rethrow();
  }

 private:
  const std::size_t tasks_;
  const int slots_;
  const TaskFunction run_task_;
  const void* const body_;
  std::atomic<std::size_t> next_{0};
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
        try {
          std::thread(&ThreadPool::serve, this).detach();
        } catch (const std::system_error&) {
          break;  // no more threads: run with those there are
        }
        ++started_;
      }
      helpers = std::min(helpers, started_);
      for (int h = 0; h < helpers; ++h) queue_.push_back(job);
    }
    for (int h = 0; h < helpers; ++h) work_available_.notify_one();
    return helpers;
  }

  // Take back the offers no helper has picked up yet.
  void withdraw(const Job* job) {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = queue_.begin(); it != queue_.end();)
      it = it->get() == job ? queue_.erase(it) : it + 1;
  }

 private:
  [[noreturn]] void serve() {
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        work_available_.wait(lock, [&] { return !queue_.empty(); });
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job->help();
    }
  }

  const decltype(POLYCHROME_GETPID()) owner_;
  std::mutex mutex_;
  std::condition_variable work_available_;
  std::deque<std::shared_ptr<Job>> queue_;
  int started_ = 0;
};

}  // namespace

void run_parallel(std::size_t tasks, int threads, TaskFunction run_task, const void* body) {
  ThreadPool* const pool = ThreadPool::for_this_process();
  const int slots = static_cast<int>(std::min<std::size_t>(
      {tasks, static_cast<std::size_t>(threads), static_cast<std::size_t>(kMaxThreads)}));
  const auto job = std::make_shared<Job>(tasks, slots, run_task, body);
  if (pool) pool->post(job, slots - 1);
  job->work(0);
  if (pool) pool->withdraw(job.get());
  job->wait();
}

}  // namespace polychrome::detail
