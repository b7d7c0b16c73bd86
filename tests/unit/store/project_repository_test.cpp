#include "store/project_repository.h"

#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "unit/store/store_fixture.h"

namespace cc::store {
namespace {

using common::ErrorCode;

class ProjectRepositoryTest : public StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    if (IsSkipped()) return;
    repo_ = &open().projects();
  }
  ProjectRepository* repo_ = nullptr;
};

TEST_P(ProjectRepositoryTest, CreateGetPatchRemove) {
  ProjectInput in = project("apollo");
  in.description = "to the moon";
  in.path = "/srv/apollo";
  auto p = repo_->create(in);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->status, ProjectStatus::kActive);
  EXPECT_EQ(p->path, "/srv/apollo");

  ProjectInput change;
  change.status = ProjectStatus::kArchived;
  auto patched = repo_->patch(p->id, change);
  ASSERT_TRUE(patched.ok());
  EXPECT_EQ(patched->status, ProjectStatus::kArchived);
  EXPECT_EQ(patched->description, "to the moon");

  ASSERT_TRUE(repo_->remove(p->id, false).ok());
  EXPECT_EQ(repo_->get(p->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(repo_->remove(p->id, false).error().code, ErrorCode::kNotFound);
}

TEST_P(ProjectRepositoryTest, NamesAreUnique) {
  ASSERT_TRUE(repo_->create(project("one")).ok());
  auto two = repo_->create(project("two"));
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(repo_->create(project("one")).error().code, ErrorCode::kConflict);
  ProjectInput rename;
  rename.name = "one";
  EXPECT_EQ(repo_->patch(two->id, rename).error().code, ErrorCode::kConflict);
  rename.name = "two";  // its own name is fine
  EXPECT_TRUE(repo_->patch(two->id, rename).ok());
}

TEST_P(ProjectRepositoryTest, RemovingAReferencedProjectNeedsForceWhichDetachesAgents) {
  auto p = repo_->create(project("shared"));
  ASSERT_TRUE(p.ok());
  AgentInput in = agent("worker");
  in.project_id = std::optional<int64_t>(p->id);
  auto a = store_->agents().create(in);
  ASSERT_TRUE(a.ok());

  auto refused = repo_->remove(p->id, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  EXPECT_TRUE(repo_->get(p->id).ok());
  EXPECT_EQ(store_->agents().get(a->id)->project_id, p->id);

  ASSERT_TRUE(repo_->remove(p->id, true).ok());
  EXPECT_EQ(repo_->get(p->id).error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(store_->agents().get(a->id)->project_id);
}

TEST_P(ProjectRepositoryTest, ListFiltersSortsAndPages) {
  for (const char* n : {"zeta", "alpha", "mid"}) ASSERT_TRUE(repo_->create(project(n)).ok());
  ProjectInput archive;
  archive.status = ProjectStatus::kArchived;
  ASSERT_TRUE(repo_->patch(1, archive).ok());  // zeta

  ProjectFilter f;
  f.sort = "name";
  auto page = repo_->list(f);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 3);
  EXPECT_EQ(page->items.front().name, "alpha");
  f.status = ProjectStatus::kActive;
  f.window.limit = 1;
  f.window.offset = 1;
  page = repo_->list(f);
  EXPECT_EQ(page->total, 2);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].name, "mid");
  f = ProjectFilter{};
  f.q = "lph";
  EXPECT_EQ(repo_->list(f)->total, 1);
  f.sort = "-path";
  EXPECT_EQ(repo_->list(f).error().field, "sort");
  auto json = Poco::JSON::Parser()
                  .parse(pageToJson(*repo_->list(ProjectFilter{}), "id", 50, 0))
                  .extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(json->getValue<int>("total"), 3);
  EXPECT_EQ(json->getArray("items")->size(), 3u);
}

INSTANTIATE_STORE_CONTRACT(ProjectRepositoryTest);

}  // namespace
}  // namespace cc::store
