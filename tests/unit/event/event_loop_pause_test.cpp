// EventLoop::pause_devices(): device fds are held back while paused and fire after resume;
// posted tasks and control fds keep running; add/remove keep working during a pause.
#include "event/event_loop.hpp"

#include <sys/eventfd.h>

#include <gtest/gtest.h>

#include <chrono>

namespace zapotec {
namespace {

class EventLoopPauseTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto created = EventLoop::create();
        ASSERT_TRUE(created.has_value()) << created.error().message();
        loop = std::move(*created);
    }
    static EventFd make_event(unsigned flags = EFD_NONBLOCK) {
        auto event = EventFd::create(flags);
        EXPECT_TRUE(event.has_value());
        return std::move(*event);
    }
    // Runs the loop for about `ms` milliseconds.
    void spin(int ms = 20) {
        auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (std::chrono::steady_clock::now() < end)
            ASSERT_TRUE(loop->run_once(5).has_value());
    }

    std::unique_ptr<EventLoop> loop;
};

TEST_F(EventLoopPauseTest, DeviceFdIsNotDispatchedWhilePausedAndIsAfterResume) {
    EventFd device = make_event();
    int fired = 0;
    // Level-triggered and never consumed while paused: it must not be reported either.
    ASSERT_TRUE(loop->add(device.fd(), EPOLLIN,
                          [&](uint32_t) {
                              ++fired;
                              (void)device.consume();
                          })
                    .has_value());
    loop->pause_devices();
    EXPECT_TRUE(loop->devices_paused());
    ASSERT_TRUE(device.signal().has_value());
    spin();
    EXPECT_EQ(fired, 0);
    loop->resume_devices();
    EXPECT_FALSE(loop->devices_paused());
    spin();
    EXPECT_EQ(fired, 1);
}

TEST_F(EventLoopPauseTest, AReadyDeviceFdDoesNotWakeThePausedLoop) {
    EventFd device = make_event();
    ASSERT_TRUE(loop->add(device.fd(), EPOLLIN, [](uint32_t) {}).has_value());
    ASSERT_TRUE(device.signal().has_value());
    loop->pause_devices();
    // Nothing to report: run_once() waits its whole timeout instead of spinning.
    auto begin = std::chrono::steady_clock::now();
    ASSERT_TRUE(loop->run_once(50).has_value());
    EXPECT_GE(std::chrono::steady_clock::now() - begin, std::chrono::milliseconds(40));
}

TEST_F(EventLoopPauseTest, PostedTasksAndControlFdsRunWhilePaused) {
    EventFd control = make_event();
    int control_fired = 0;
    ASSERT_TRUE(loop->add(
                        control.fd(), EPOLLIN,
                        [&](uint32_t) {
                            ++control_fired;
                            (void)control.consume();
                        },
                        EventClass::kControl)
                    .has_value());
    loop->pause_devices();
    bool posted_ran = false;
    loop->post([&] { posted_ran = true; });
    ASSERT_TRUE(control.signal().has_value());
    spin();
    EXPECT_TRUE(posted_ran);
    EXPECT_EQ(control_fired, 1);
}

TEST_F(EventLoopPauseTest, EdgeTriggeredFdThatBecameReadyWhilePausedFiresAfterResume) {
    EventFd device = make_event();
    int fired = 0;
    ASSERT_TRUE(loop->add(device.fd(), EPOLLIN | EPOLLET, [&](uint32_t) { ++fired; }).has_value());
    loop->pause_devices();
    ASSERT_TRUE(device.signal().has_value());
    spin();
    EXPECT_EQ(fired, 0);
    loop->resume_devices();
    spin();
    EXPECT_EQ(fired, 1);
}

TEST_F(EventLoopPauseTest, AddAndRemoveKeepWorkingWhilePaused) {
    EventFd added = make_event();
    EventFd removed = make_event();
    int added_fired = 0;
    int removed_fired = 0;
    ASSERT_TRUE(loop->add(removed.fd(), EPOLLIN, [&](uint32_t) { ++removed_fired; }).has_value());
    loop->pause_devices();
    ASSERT_TRUE(loop->add(added.fd(), EPOLLIN,
                          [&](uint32_t) {
                              ++added_fired;
                              (void)added.consume();
                          })
                    .has_value());
    // Watching an fd twice is refused during a pause too.
    EXPECT_FALSE(loop->add(added.fd(), EPOLLIN, [](uint32_t) {}).has_value());
    EXPECT_TRUE(loop->remove(removed.fd()).has_value());
    ASSERT_TRUE(added.signal().has_value());
    ASSERT_TRUE(removed.signal().has_value());
    spin();
    EXPECT_EQ(added_fired, 0);
    loop->resume_devices();
    spin();
    EXPECT_EQ(added_fired, 1);
    EXPECT_EQ(removed_fired, 0);
    // A bad fd is refused while paused as it is otherwise.
    loop->pause_devices();
    EXPECT_FALSE(loop->add(-1, EPOLLIN, [](uint32_t) {}).has_value());
}

TEST_F(EventLoopPauseTest, PauseAndResumeAreIdempotent) {
    EventFd device = make_event();
    int fired = 0;
    ASSERT_TRUE(loop->add(device.fd(), EPOLLIN,
                          [&](uint32_t) {
                              ++fired;
                              (void)device.consume();
                          })
                    .has_value());
    loop->pause_devices();
    loop->pause_devices();
    ASSERT_TRUE(device.signal().has_value());
    loop->resume_devices();
    loop->resume_devices();
    spin();
    EXPECT_EQ(fired, 1);
}

TEST_F(EventLoopPauseTest, AHandlerThatPausesHoldsBackTheRestOfTheBatch) {
    // Two device fds ready at once: whichever runs first pauses, the other must wait.
    EventFd first = make_event();
    EventFd second = make_event();
    int fired = 0;
    auto handler = [&](uint32_t) {
        ++fired;
        loop->pause_devices();
    };
    ASSERT_TRUE(loop->add(first.fd(), EPOLLIN, handler).has_value());
    ASSERT_TRUE(loop->add(second.fd(), EPOLLIN, handler).has_value());
    ASSERT_TRUE(first.signal().has_value());
    ASSERT_TRUE(second.signal().has_value());
    spin();
    EXPECT_EQ(fired, 1);
}

}  // namespace
}  // namespace zapotec
