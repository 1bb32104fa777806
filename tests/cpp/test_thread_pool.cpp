// C++ checks of parallel_for (cpp/src/thread_pool.cpp): every task runs once,
// slots are in range and never shared by two threads at once, the first
// exception comes out, nested and concurrent loops finish, and a child made
// by fork() after the pool started runs loops to the end (on its calling
// thread) instead of waiting for helpers that do not exist there.
// Exit status 0 on success; prints the first failure.
#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "checks.hpp"
#include "polychrome/thread_pool.hpp"

#ifndef _WIN32
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace {

using test_checks::check;

// Every task once, slots in [0, threads) and exclusive while a task runs.
bool runs_every_task_once(std::size_t tasks, int threads) {
  std::vector<std::atomic<int>> runs(tasks);
  std::vector<std::atomic<int>> busy(static_cast<std::size_t>(threads));
  std::atomic<bool> ok{true};
  polychrome::parallel_for(tasks, threads, [&](std::size_t t, int slot) {
    if (slot < 0 || slot >= threads) {
      ok = false;
      return;
    }
    if (busy[static_cast<std::size_t>(slot)].fetch_add(1) != 0) ok = false;
    runs[t].fetch_add(1);
    volatile double x = 0.0;
    for (int i = 0; i < 2000; ++i) x = x + i;
    busy[static_cast<std::size_t>(slot)].fetch_sub(1);
  });
  for (const auto& r : runs)
    if (r.load() != 1) return false;
  return ok.load();
}

void test_tasks_and_slots() {
  check(runs_every_task_once(0, 4), "0 tasks");
  check(runs_every_task_once(1, 4), "1 task");
  check(runs_every_task_once(1000, 1), "1000 tasks, 1 thread");
  check(runs_every_task_once(1000, 3), "1000 tasks, 3 threads");
  check(runs_every_task_once(5, 64), "5 tasks, 64 threads");
}

void test_first_exception_rethrown() {
  bool caught = false;
  try {
    polychrome::parallel_for(100, 3, [](std::size_t t, int) {
      if (t == 17) throw std::runtime_error("task 17");
    });
  } catch (const std::runtime_error& e) {
    caught = std::string(e.what()) == "task 17";
  }
  check(caught, "exception of a task rethrown");
  check(runs_every_task_once(100, 3), "pool usable after an exception");
}

void test_nested_and_concurrent() {
  std::atomic<int> inner{0};
  polychrome::parallel_for(8, 3, [&](std::size_t, int) {
    polychrome::parallel_for(10, 3, [&](std::size_t, int) { inner.fetch_add(1); });
  });
  check(inner.load() == 80, "nested loops");
  std::vector<std::thread> callers;
  std::atomic<int> ok{0};
  for (int c = 0; c < 4; ++c)
    callers.emplace_back([&] { ok.fetch_add(runs_every_task_once(300, 3) ? 1 : 0); });
  for (auto& t : callers) t.join();
  check(ok.load() == 4, "concurrent callers");
}

void test_fork_child_finishes() {
#ifndef _WIN32
  check(runs_every_task_once(1000, 4), "pool started before fork");
  const pid_t child = fork();
  if (child == 0) {
    alarm(60);  // a hang ends the child with SIGALRM, reported below
    _exit(runs_every_task_once(1000, 4) ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fork child runs its loops");
#endif
}

}  // namespace

int main() {
  test_tasks_and_slots();
  test_first_exception_rethrown();
  test_nested_and_concurrent();
  test_fork_child_finishes();
  return test_checks::verdict("thread pool");
}
