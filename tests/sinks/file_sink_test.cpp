#include <gtest/gtest.h>

#include <callgate/sinks/file_sink.hpp>
#include <callgate/store/store.hpp>
#include <fstream>
#include <support/fixtures.hpp>

namespace callgate {
namespace {

const TimePoint kNow = from_unix_ms(1'700'000'000'000);

class FileSinkTest : public ::testing::Test, protected testing::TempStore {
 protected:
  void append(int from, int to) {
    ASSERT_TRUE(writer->begin());
    for (int i = from; i <= to; ++i) {
      core::Emission e{core::EventType::updated,
                       "c",
                       "c:" + std::to_string(i),
                       "{\"n\":" + std::to_string(i) + "}",
                       "pbx",
                       {"crm", "acme"}};
      ASSERT_TRUE(writer->append_outbox(e, kNow));
    }
    ASSERT_TRUE(writer->commit());
  }
  std::vector<std::string> expected(int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i <= to; ++i) out.push_back(R"({"n":)" + std::to_string(i) + "}");
    return out;
  }

  metrics::Metrics metrics;
  std::filesystem::path file = dir / "out" / "events.jsonl";
};

TEST_F(FileSinkTest, WritesEveryEventAsOneLineInOrder) {
  append(1, 3);
  sinks::FileSink sink("file", file.string(), *store, metrics);
  sink.start_from_oldest(true);  // the events appended before it
  sink.start();
  append(4, 5);
  sink.notify();
  ASSERT_TRUE(testing::eventually([&] { return sink.delivered_seq() == 5; }));
  EXPECT_EQ(testing::read_lines(file), expected(1, 5));
  EXPECT_EQ(metrics.value("callgate_sink_delivered_total", {{"sink", "file"}}), 5);
}

TEST_F(FileSinkTest, AnEnvelopeSaysWhoseEachEventIs) {
  append(1, 2);
  sinks::FileSink sink("file", file.string(), *store, metrics, /*envelope=*/true);
  sink.start_from_oldest(true);  // the events appended before it
  sink.start();
  ASSERT_TRUE(testing::eventually([&] { return sink.delivered_seq() == 2; }));
  EXPECT_EQ(testing::read_lines(file),
            (std::vector<std::string>{
                R"({"source":"pbx","connectorId":"crm","ownerId":"acme","event":{"n":1}})",
                R"({"source":"pbx","connectorId":"crm","ownerId":"acme","event":{"n":2}})"}));
}

TEST_F(FileSinkTest, ARestartNeitherRepeatsNorLosesLines) {
  append(1, 2);
  {
    sinks::FileSink sink("file", file.string(), *store, metrics);
    sink.start_from_oldest(true);  // the events appended before it
    sink.start();
    ASSERT_TRUE(testing::eventually([&] { return sink.delivered_seq() == 2; }));
  }
  append(3, 4);
  sinks::FileSink sink("file", file.string(), *store, metrics);
  sink.start_from_oldest(true);  // the events appended before it
  sink.start();
  ASSERT_TRUE(testing::eventually([&] { return sink.delivered_seq() == 4; }));
  EXPECT_EQ(testing::read_lines(file), expected(1, 4));
}

TEST_F(FileSinkTest, LinesWrittenAfterTheLastSavedCursorAreCutAndWrittenOnce) {
  append(1, 3);
  {
    sinks::FileSink sink("file", file.string(), *store, metrics);
    sink.start_from_oldest(true);  // the events appended before it
    sink.start();
    ASSERT_TRUE(testing::eventually([&] { return sink.delivered_seq() == 3; }));
  }
  // A crash after writing line 4 (half of it) but before its cursor was saved.
  append(4, 4);
  std::ofstream(file, std::ios::app) << R"({"n":4})"
                                     << "\n"
                                     << R"({"n":)";
  sinks::FileSink sink("file", file.string(), *store, metrics);
  sink.start_from_oldest(true);  // the events appended before it
  sink.start();
  ASSERT_TRUE(testing::eventually([&] { return sink.delivered_seq() == 4; }));
  EXPECT_EQ(testing::read_lines(file), expected(1, 4));
}

TEST_F(FileSinkTest, ACrashBeforeTheFirstCursorSaveIsRepairedToo) {
  // The sink had started once (cursor saved at seq 0, empty file), wrote line 1, then died.
  ASSERT_TRUE(store->save_cursor("file", {0, 0}));
  append(1, 2);
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << R"({"n":1})"
                      << "\n";
  sinks::FileSink sink("file", file.string(), *store, metrics);
  sink.start_from_oldest(true);  // the events appended before it
  sink.start();
  ASSERT_TRUE(testing::eventually([&] { return sink.delivered_seq() == 2; }));
  EXPECT_EQ(testing::read_lines(file), expected(1, 2));
}

TEST_F(FileSinkTest, AFirstStartKeepsWhatTheFileAlreadyHeld) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << "old line\n";
  append(1, 1);
  sinks::FileSink sink("file", file.string(), *store, metrics);
  sink.start_from_oldest(true);  // the events appended before it
  sink.start();
  ASSERT_TRUE(testing::eventually([&] { return sink.delivered_seq() == 1; }));
  EXPECT_EQ(testing::read_lines(file), (std::vector<std::string>{"old line", R"({"n":1})"}));
}

}  // namespace
}  // namespace callgate
