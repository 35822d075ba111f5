// scheduler.hpp: every timer of the server as plain data: (due_ms, sequence) -> task, driven by one Asio
// timer. Ties run in the order they were scheduled, so replies to one user keep their order. Tasks must
// capture ids or weak pointers, never raw `this` of something that can die first (Phoenix's late heartbeat).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace devserver {

inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

class Scheduler {
 public:
  // Names one scheduled task, for cancel(). Never reused (the sequence only grows).
  using Ticket = std::pair<std::int64_t, std::uint64_t>;

  explicit Scheduler(boost::asio::io_context& io);
  // Milliseconds on a monotonic clock since the scheduler started.
  std::int64_t now_ms() const;
  Ticket at(std::int64_t due_ms, std::function<void()> task);
  Ticket after(std::int64_t delay_ms, std::function<void()> task) { return at(now_ms() + delay_ms, std::move(task)); }
  // Drops a task that has not run yet (a no-op once it ran or was cancelled), freeing what it captured.
  void cancel(const Ticket& ticket) { tasks_.erase(ticket); }
  std::size_t pending() const { return tasks_.size(); }
  void stop();

 private:
  void arm();
  void on_timer();

  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point epoch_;
  std::map<Ticket, std::function<void()>> tasks_;
  std::uint64_t next_seq_ = 0;
  std::int64_t armed_for_ms_ = kNever;
  bool stopped_ = false;
};

}  // namespace devserver
