#include "dictionary_service.h"

#include <fmt/format.h>
#include <soci/mysql/soci-mysql.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "customer_validation.h"
#include "salesfollow/common/errors.h"
#include "salesfollow/common/grpc_util.h"
#include "salesfollow/common/sql_util.h"

namespace salesfollow::customer_service {
namespace {

std::string kind_column(v1::DictionaryKind kind) {
  switch (kind) {
    case v1::INDUSTRY:
      return "industry";
    case v1::SOURCE:
      return "source";
    case v1::NEED_TAG:
      return "need_tag";
    case v1::LOSS_REASON:
      return "loss_reason";
    default:
      throw invalid_field("kind", "must be INDUSTRY, SOURCE, NEED_TAG or LOSS_REASON");
  }
}

void validate_code(const std::string& code, const std::string& field) {
  if (code.empty() || code.size() > 64 ||
      !std::all_of(code.begin(), code.end(), [](unsigned char c) {
        return std::islower(c) != 0 || std::isdigit(c) != 0 || c == '_';
      })) {
    throw invalid_field(field, "must be 1-64 characters of [a-z0-9_]");
  }
}

constexpr const char* kEntryColumns =
    "kind, code, label, description, sort_order, retired_at IS NOT NULL, "
    "CAST(UNIX_TIMESTAMP(created_at) * 1000000 AS SIGNED), "
    "CAST(UNIX_TIMESTAMP(updated_at) * 1000000 AS SIGNED)";

v1::DictionaryEntry entry_from_row(const soci::row& row, v1::DictionaryKind kind) {
  v1::DictionaryEntry entry;
  entry.set_kind(kind);
  entry.set_code(row.get<std::string>(1));
  entry.set_label(row.get<std::string>(2));
  entry.set_description(row.get<std::string>(3));
  entry.set_sort_order(row.get<int>(4));
  entry.set_retired(row.get<int>(5) != 0);
  *entry.mutable_create_time() = to_timestamp(from_micros(row.get<long long>(6)));
  *entry.mutable_update_time() = to_timestamp(from_micros(row.get<long long>(7)));
  return entry;
}

v1::DictionaryEntry load_entry(soci::session& sql, v1::DictionaryKind kind,
                               const std::string& code) {
  const std::string kind_text = kind_column(kind);
  soci::row row;
  sql << fmt::format("SELECT {} FROM dictionary_entries WHERE kind = :kind AND code = :code",
                     kEntryColumns),
      soci::use(kind_text), soci::use(code), soci::into(row);
  if (!sql.got_data()) throw not_found(fmt::format("dictionary entry {}/{}", kind_text, code));
  return entry_from_row(row, kind);
}

std::string track_name(long long id) { return "talkTracks/" + std::to_string(id); }

long long parse_track_name(const std::string& name) {
  constexpr std::string_view kPrefix = "talkTracks/";
  if (name.rfind(kPrefix, 0) != 0 || name.size() == kPrefix.size() || name.size() > 30 ||
      !std::all_of(name.begin() + static_cast<long>(kPrefix.size()), name.end(),
                   [](unsigned char c) { return std::isdigit(c) != 0; })) {
    throw invalid_field("name", "must be \"talkTracks/{id}\"");
  }
  return std::stoll(name.substr(kPrefix.size()));
}

void validate_track(const v1::TalkTrack& track) {
  validate_text(track.question(), "talk_track.question", 2000, true, true);
  validate_text(track.answer(), "talk_track.answer", 20000, true, true);
  if (track.tags_size() > 20) throw invalid_field("talk_track.tags", "holds more than 20 tags");
  std::set<std::string> seen;
  for (int i = 0; i < track.tags_size(); ++i) {
    const auto field = fmt::format("talk_track.tags[{}]", i);
    validate_code(track.tags(i), field);
    if (!seen.insert(track.tags(i)).second) throw invalid_field(field, "is repeated");
  }
}

v1::TalkTrack load_track(soci::session& sql, long long id) {
  soci::row row;
  sql << "SELECT question, answer, author_id, retired_at IS NOT NULL, "
         "CAST(UNIX_TIMESTAMP(created_at) * 1000000 AS SIGNED), "
         "CAST(UNIX_TIMESTAMP(updated_at) * 1000000 AS SIGNED), "
         "(SELECT GROUP_CONCAT(tag ORDER BY tag SEPARATOR ',') FROM talk_track_tags t "
         " WHERE t.talk_track_id = talk_tracks.id) FROM talk_tracks WHERE id = :id",
      soci::use(id), soci::into(row);
  if (!sql.got_data()) throw not_found(track_name(id));
  v1::TalkTrack track;
  track.set_name(track_name(id));
  track.set_question(row.get<std::string>(0));
  track.set_answer(row.get<std::string>(1));
  track.set_author_id(row.get<std::string>(2));
  track.set_retired(row.get<int>(3) != 0);
  *track.mutable_create_time() = to_timestamp(from_micros(row.get<long long>(4)));
  *track.mutable_update_time() = to_timestamp(from_micros(row.get<long long>(5)));
  if (row.get_indicator(6) != soci::i_null) {
    std::stringstream tags(row.get<std::string>(6));
    for (std::string tag; std::getline(tags, tag, ',');) track.add_tags(tag);
  }
  return track;
}

void write_tags(soci::session& sql, long long id, const v1::TalkTrack& track) {
  sql << "DELETE FROM talk_track_tags WHERE talk_track_id = :id", soci::use(id);
  for (const auto& tag : track.tags()) {
    sql << "INSERT INTO talk_track_tags (talk_track_id, tag) VALUES (:id, :tag)", soci::use(id),
        soci::use(tag);
  }
}

}  // namespace

Caller DictionaryServiceImpl::writer(const grpc::ServerContext& context) const {
  Caller caller = tokens_.authenticate(context);
  if (!caller.is_manager_or_above()) {
    throw permission_denied("only managers and admins may change dictionaries and talk tracks");
  }
  return caller;
}

grpc::Status DictionaryServiceImpl::ListDictionaryEntries(
    grpc::ServerContext* context, const v1::ListDictionaryEntriesRequest* request,
    v1::ListDictionaryEntriesResponse* response) {
  return guarded("ListDictionaryEntries", [&] {
    tokens_.authenticate(*context);
    const std::string kind = kind_column(request->kind());
    db_.run([&](soci::session& sql) {
      soci::row row;
      soci::statement statement =
          (sql.prepare << fmt::format("SELECT {} FROM dictionary_entries WHERE kind = :kind {} "
                                      "ORDER BY sort_order, code",
                                      kEntryColumns,
                                      request->include_retired() ? "" : "AND retired_at IS NULL"),
           soci::use(kind), soci::into(row));
      statement.execute(false);
      while (statement.fetch()) *response->add_entries() = entry_from_row(row, request->kind());
    });
    return grpc::Status::OK;
  });
}

grpc::Status DictionaryServiceImpl::CreateDictionaryEntry(
    grpc::ServerContext* context, const v1::CreateDictionaryEntryRequest* request,
    v1::DictionaryEntry* response) {
  return guarded("CreateDictionaryEntry", [&] {
    writer(*context);
    const auto& entry = request->entry();
    const std::string kind = kind_column(entry.kind());
    validate_code(entry.code(), "entry.code");
    validate_text(entry.label(), "entry.label", 200, true);
    validate_text(entry.description(), "entry.description", 1000, false, true);
    *response = db_.run([&](soci::session& sql) {
      const std::string now = to_sql_datetime(clock_.now());
      const int sort_order = entry.sort_order();
      try {
        sql << "INSERT INTO dictionary_entries (kind, code, label, description, sort_order, "
               "created_at, updated_at) VALUES (:kind, :code, :label, :description, :sort, :now, "
               ":now2)",
            soci::use(kind), soci::use(entry.code()), soci::use(entry.label()),
            soci::use(entry.description()), soci::use(sort_order), soci::use(now), soci::use(now);
      } catch (const soci::mysql_soci_error& e) {
        if (e.err_num_ == 1062) {
          throw ServiceError(grpc::StatusCode::ALREADY_EXISTS, "DICTIONARY_ENTRY_EXISTS",
                             fmt::format("{} '{}' exists already (retired entries cannot be "
                                         "re-created; pick another code)",
                                         kind, entry.code()));
        }
        throw;
      }
      return load_entry(sql, entry.kind(), entry.code());
    });
    return grpc::Status::OK;
  });
}

grpc::Status DictionaryServiceImpl::UpdateDictionaryEntry(
    grpc::ServerContext* context, const v1::UpdateDictionaryEntryRequest* request,
    v1::DictionaryEntry* response) {
  return guarded("UpdateDictionaryEntry", [&] {
    writer(*context);
    const auto& entry = request->entry();
    const std::string kind = kind_column(entry.kind());
    validate_code(entry.code(), "entry.code");
    validate_text(entry.label(), "entry.label", 200, true);
    validate_text(entry.description(), "entry.description", 1000, false, true);
    *response = db_.run([&](soci::session& sql) {
      load_entry(sql, entry.kind(), entry.code());
      const std::string now = to_sql_datetime(clock_.now());
      const int sort_order = entry.sort_order();
      sql << "UPDATE dictionary_entries SET label = :label, description = :description, "
             "sort_order = :sort, updated_at = :now WHERE kind = :kind AND code = :code",
          soci::use(entry.label()), soci::use(entry.description()), soci::use(sort_order),
          soci::use(now), soci::use(kind), soci::use(entry.code());
      return load_entry(sql, entry.kind(), entry.code());
    });
    return grpc::Status::OK;
  });
}

grpc::Status DictionaryServiceImpl::RetireDictionaryEntry(
    grpc::ServerContext* context, const v1::RetireDictionaryEntryRequest* request,
    v1::DictionaryEntry* response) {
  return guarded("RetireDictionaryEntry", [&] {
    writer(*context);
    const std::string kind = kind_column(request->kind());
    validate_code(request->code(), "code");
    *response = db_.run([&](soci::session& sql) {
      const auto current = load_entry(sql, request->kind(), request->code());
      if (current.retired()) {
        throw failed_precondition("ALREADY_RETIRED",
                                  fmt::format("{} '{}' is already retired", kind, request->code()));
      }
      const std::string now = to_sql_datetime(clock_.now());
      sql << "UPDATE dictionary_entries SET retired_at = :now, updated_at = :now2 "
             "WHERE kind = :kind AND code = :code",
          soci::use(now), soci::use(now), soci::use(kind), soci::use(request->code());
      return load_entry(sql, request->kind(), request->code());
    });
    return grpc::Status::OK;
  });
}

grpc::Status DictionaryServiceImpl::CreateTalkTrack(grpc::ServerContext* context,
                                                    const v1::CreateTalkTrackRequest* request,
                                                    v1::TalkTrack* response) {
  return guarded("CreateTalkTrack", [&] {
    const Caller caller = writer(*context);
    validate_track(request->talk_track());
    *response = db_.run([&](soci::session& sql) {
      soci::transaction transaction(sql);
      const std::string now = to_sql_datetime(clock_.now());
      sql << "INSERT INTO talk_tracks (question, answer, author_id, created_at, updated_at) "
             "VALUES (:question, :answer, :author, :now, :now2)",
          soci::use(request->talk_track().question()), soci::use(request->talk_track().answer()),
          soci::use(caller.user_id), soci::use(now), soci::use(now);
      const auto id = static_cast<long long>(last_insert_id(sql));
      write_tags(sql, id, request->talk_track());
      auto track = load_track(sql, id);
      transaction.commit();
      return track;
    });
    return grpc::Status::OK;
  });
}

grpc::Status DictionaryServiceImpl::UpdateTalkTrack(grpc::ServerContext* context,
                                                    const v1::UpdateTalkTrackRequest* request,
                                                    v1::TalkTrack* response) {
  return guarded("UpdateTalkTrack", [&] {
    writer(*context);
    const long long id = parse_track_name(request->talk_track().name());
    validate_track(request->talk_track());
    *response = db_.run([&](soci::session& sql) {
      soci::transaction transaction(sql);
      load_track(sql, id);
      const std::string now = to_sql_datetime(clock_.now());
      sql << "UPDATE talk_tracks SET question = :question, answer = :answer, updated_at = :now "
             "WHERE id = :id",
          soci::use(request->talk_track().question()), soci::use(request->talk_track().answer()),
          soci::use(now), soci::use(id);
      write_tags(sql, id, request->talk_track());
      auto track = load_track(sql, id);
      transaction.commit();
      return track;
    });
    return grpc::Status::OK;
  });
}

grpc::Status DictionaryServiceImpl::RetireTalkTrack(grpc::ServerContext* context,
                                                    const v1::RetireTalkTrackRequest* request,
                                                    v1::TalkTrack* response) {
  return guarded("RetireTalkTrack", [&] {
    writer(*context);
    const long long id = parse_track_name(request->name());
    *response = db_.run([&](soci::session& sql) {
      if (load_track(sql, id).retired()) {
        throw failed_precondition("ALREADY_RETIRED", track_name(id) + " is already retired");
      }
      const std::string now = to_sql_datetime(clock_.now());
      sql << "UPDATE talk_tracks SET retired_at = :now, updated_at = :now2 WHERE id = :id",
          soci::use(now), soci::use(now), soci::use(id);
      return load_track(sql, id);
    });
    return grpc::Status::OK;
  });
}

grpc::Status DictionaryServiceImpl::SearchTalkTracks(grpc::ServerContext* context,
                                                     const v1::SearchTalkTracksRequest* request,
                                                     v1::SearchTalkTracksResponse* response) {
  return guarded("SearchTalkTracks", [&] {
    const Caller caller = tokens_.authenticate(*context);
    const int page_size = checked_page_size(request->page_size(), 50, 200);
    if (!request->tag().empty()) validate_code(request->tag(), "tag");
    validate_text(request->text(), "text", 200, false);
    const std::string fingerprint =
        fmt::format("SearchTalkTracks|{}|{}|{}|{}", caller.user_id, request->tag(), request->text(),
                    request->include_retired());
    long long after = 0;
    if (!request->page_token().empty()) {
      try {
        after =
            page_tokens_.decode(request->page_token(), fingerprint).at("after").get<long long>();
      } catch (const nlohmann::json::exception&) {
        throw invalid_field("page_token", "is malformed");
      }
    }
    std::string like;
    for (const char c : request->text()) {
      if (c == '%' || c == '_' || c == '\\') like += '\\';
      like += c;
    }
    const std::string tag = request->tag();
    std::vector<long long> ids(static_cast<std::size_t>(page_size) + 1);
    db_.run([&](soci::session& sql) {
      std::vector<long long> found(static_cast<std::size_t>(page_size) + 1);
      sql << fmt::format(
          "SELECT id FROM talk_tracks tt WHERE id > :after {} "
          "AND (:tag = '' OR EXISTS (SELECT 1 FROM talk_track_tags t WHERE "
          "t.talk_track_id = tt.id AND t.tag = :tag2)) "
          "AND (:text = '' OR question LIKE CONCAT('%', :text2, '%') OR answer LIKE "
          "CONCAT('%', :text3, '%')) ORDER BY id LIMIT {}",
          request->include_retired() ? "" : "AND retired_at IS NULL", page_size + 1),
          soci::use(after), soci::use(tag), soci::use(tag), soci::use(like), soci::use(like),
          soci::use(like), soci::into(found);
      ids = found;
      for (std::size_t i = 0; i < ids.size() && i < static_cast<std::size_t>(page_size); ++i) {
        *response->add_talk_tracks() = load_track(sql, ids[i]);
      }
    });
    if (ids.size() > static_cast<std::size_t>(page_size)) {
      response->set_next_page_token(page_tokens_.encode(
          {{"after", ids[static_cast<std::size_t>(page_size) - 1]}}, fingerprint));
    }
    return grpc::Status::OK;
  });
}

}  // namespace salesfollow::customer_service
