// scheduler.cpp: see scheduler.hpp.
#include "scheduler.hpp"

#include <cstdio>
#include <exception>

namespace devserver {

Scheduler::Scheduler(boost::asio::io_context& io) : timer_(io), epoch_(std::chrono::steady_clock::now()) {}

std::int64_t Scheduler::now_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now() - epoch_).count();
}

Scheduler::Ticket Scheduler::at(std::int64_t due_ms, std::function<void()> task) {
  const Ticket ticket{due_ms, next_seq_++};
  if (stopped_) return ticket;
  tasks_.emplace(ticket, std::move(task));
  arm();
  return ticket;
}

void Scheduler::stop() {
  stopped_ = true;
  tasks_.clear();
  timer_.cancel();
}

void Scheduler::arm() {
  if (tasks_.empty() || stopped_) return;
  const std::int64_t first = tasks_.begin()->first.first;
  if (first >= armed_for_ms_) return;  // the pending wait fires early enough
  armed_for_ms_ = first;
  // expires_at cancels a pending wait; its handler sees operation_aborted and does nothing.
  timer_.expires_at(epoch_ + std::chrono::milliseconds(first));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    on_timer();
  });
}

void Scheduler::on_timer() {
  armed_for_ms_ = kNever;
  const std::int64_t now = now_ms();
  // Tasks may schedule more tasks; anything due by `now` runs in this pass, in (due, sequence) order.
  while (!tasks_.empty() && tasks_.begin()->first.first <= now) {
    auto node = tasks_.extract(tasks_.begin());
    try {
      node.mapped()();
    } catch (const std::exception& e) {
      // A task must never take the timer down with it: the rest still have to run.
      std::fprintf(stderr, "bos-devserver: scheduled task failed: %s\n", e.what());
    }
  }
  arm();
}

}  // namespace devserver
