// Attachments of follow-ups (proposals, meeting minutes): chunked upload with
// a size limit, checked against the declared size and SHA-256 before
// anything is committed; download streams the same bytes back. The bytes
// live in MySQL (attachment_chunks, one row per chunk) inside the upload's
// transaction: a refused upload leaves nothing behind.
#include <fmt/format.h>
#include <openssl/evp.h>

#include <regex>

#include "followup_service.h"
#include "salesfollow/common/crypto.h"
#include "salesfollow/common/errors.h"
#include "salesfollow/common/grpc_util.h"
#include "salesfollow/common/text.h"

namespace salesfollow::followup_service {
namespace {

constexpr std::size_t kStoredChunkBytes = 1024 * 1024;

struct DigestDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

// SHA-256 over a stream of chunks.
class StreamingSha256 {
 public:
  StreamingSha256() : context_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr);
  }
  void update(const std::string& bytes) {
    EVP_DigestUpdate(context_.get(), bytes.data(), bytes.size());
  }
  std::string hex() {
    std::string digest(32, '\0');
    unsigned int length = 0;
    EVP_DigestFinal_ex(context_.get(), reinterpret_cast<unsigned char*>(digest.data()),
                       &length);  // NOLINT
    return crypto::to_hex(digest);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, DigestDeleter> context_;
};

std::string attachment_name(std::uint64_t follow_up_id, std::uint64_t id) {
  return fmt::format("followUps/{}/attachments/{}", follow_up_id, id);
}

std::pair<std::uint64_t, std::uint64_t> parse_attachment_name(const std::string& name) {
  static const std::regex pattern(R"(followUps/([1-9][0-9]{0,18})/attachments/([1-9][0-9]{0,18}))");
  std::smatch match;
  if (!std::regex_match(name, match, pattern)) {
    throw invalid_field("name", "must be \"followUps/{id}/attachments/{id}\"");
  }
  return {std::stoull(match[1].str()), std::stoull(match[2].str())};
}

v1::Attachment attachment_to_proto(const AttachmentRow& row) {
  v1::Attachment a;
  a.set_name(attachment_name(row.follow_up_id, row.id));
  a.set_file_name(row.file_name);
  a.set_content_type(row.content_type);
  a.set_size_bytes(row.size_bytes);
  a.set_sha256(row.sha256);
  a.set_uploader_id(row.uploader_id);
  *a.mutable_create_time() = to_timestamp(row.created_at);
  return a;
}

}  // namespace

grpc::Status FollowUpServiceImpl::UploadAttachment(
    grpc::ServerContext* context, grpc::ServerReader<v1::UploadAttachmentRequest>* reader,
    v1::Attachment* response) {
  return guarded("UploadAttachment", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    v1::UploadAttachmentRequest message;
    if (!reader->Read(&message) || !message.has_metadata()) {
      throw invalid_field("metadata", "the first message must carry the attachment's metadata");
    }
    const auto metadata = message.metadata();
    const auto follow_up_id = parse_follow_up_name(metadata.follow_up(), "metadata.follow_up");
    validate_text(metadata.file_name(), "metadata.file_name", 255, true);
    static const std::regex content_type(
        R"([a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62})");
    if (!std::regex_match(metadata.content_type(), content_type)) {
      throw invalid_field("metadata.content_type", "must be a media type such as application/pdf");
    }
    static const std::regex sha256(R"([0-9a-f]{64})");
    if (!std::regex_match(metadata.sha256(), sha256)) {
      throw invalid_field("metadata.sha256", "must be 64 lower-case hex digits");
    }
    const std::int64_t limit = deps_.settings.attachment_max_bytes;
    if (metadata.size_bytes() < 0)
      throw invalid_field("metadata.size_bytes", "must not be negative");
    if (metadata.size_bytes() > limit) {
      throw ServiceError(grpc::StatusCode::RESOURCE_EXHAUSTED, "ATTACHMENT_TOO_LARGE",
                         fmt::format("attachments are limited to {} bytes", limit));
    }
    auto lease = deps_.db.acquire(budget(*context));
    soci::session& sql = lease.session();
    try {
      soci::transaction transaction(sql);
      FollowUpRepository repository(sql);
      const auto [follow_up, customer] =
          accessible_follow_up(repository, caller, follow_up_id, false);
      AttachmentRow row;
      row.follow_up_id = follow_up_id;
      row.customer_id = follow_up.customer_id;
      row.file_name = metadata.file_name();
      row.content_type = metadata.content_type();
      row.size_bytes = metadata.size_bytes();
      row.sha256 = metadata.sha256();
      row.uploader_id = caller.user_id;
      row.created_at = deps_.clock.now();
      row.id = repository.insert_attachment(row);

      StreamingSha256 digest;
      std::int64_t received = 0;
      int seq = 0;
      std::string pending;
      while (reader->Read(&message)) {
        if (message.has_metadata())
          throw invalid_field("metadata", "must be sent only once, first");
        received += static_cast<std::int64_t>(message.chunk().size());
        if (received > limit) {
          throw ServiceError(grpc::StatusCode::RESOURCE_EXHAUSTED, "ATTACHMENT_TOO_LARGE",
                             fmt::format("attachments are limited to {} bytes", limit));
        }
        digest.update(message.chunk());
        pending += message.chunk();
        while (pending.size() >= kStoredChunkBytes) {
          repository.insert_chunk(row.id, seq++, pending.substr(0, kStoredChunkBytes));
          pending.erase(0, kStoredChunkBytes);
        }
      }
      if (!pending.empty()) repository.insert_chunk(row.id, seq++, pending);
      if (received != metadata.size_bytes()) {
        throw invalid_field("metadata.size_bytes",
                            fmt::format("says {} bytes but {} arrived; nothing was stored",
                                        metadata.size_bytes(), received));
      }
      if (digest.hex() != metadata.sha256()) {
        throw invalid_field("metadata.sha256",
                            "does not match the bytes received; nothing was stored");
      }
      transaction.commit();
      *response = attachment_to_proto(row);
      return grpc::Status::OK;
    } catch (const soci::soci_error& e) {
      lease.note_error(ConnectionPool::mysql_error_number(e));
      throw;
    }
  });
}

grpc::Status FollowUpServiceImpl::DownloadAttachment(
    grpc::ServerContext* context, const v1::DownloadAttachmentRequest* request,
    grpc::ServerWriter<v1::DownloadAttachmentResponse>* writer) {
  return guarded("DownloadAttachment", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const auto [follow_up_id, id] = parse_attachment_name(request->name());
    const auto row = deps_.db.run(
        [&](soci::session& sql) {
          FollowUpRepository repository(sql);
          accessible_follow_up(repository, caller, follow_up_id, false);
          auto found = repository.attachment(id);
          if (!found || found->follow_up_id != follow_up_id) throw not_found(request->name());
          return *found;
        },
        budget(*context));
    v1::DownloadAttachmentResponse head;
    *head.mutable_attachment() = attachment_to_proto(row);
    if (!writer->Write(head)) return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
    // One chunk per read: memory stays at one chunk whatever the file size.
    for (int seq = 0;; ++seq) {
      const auto bytes =
          deps_.db.run([&](soci::session& sql) { return FollowUpRepository(sql).chunk(id, seq); });
      if (!bytes) break;
      v1::DownloadAttachmentResponse part;
      part.set_chunk(*bytes);
      if (!writer->Write(part))
        return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
    }
    return grpc::Status::OK;
  });
}

grpc::Status FollowUpServiceImpl::ListAttachments(grpc::ServerContext* context,
                                                  const v1::ListAttachmentsRequest* request,
                                                  v1::ListAttachmentsResponse* response) {
  return guarded("ListAttachments", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const auto follow_up_id = parse_follow_up_name(request->follow_up(), "follow_up");
    const auto rows = deps_.db.run(
        [&](soci::session& sql) {
          FollowUpRepository repository(sql);
          accessible_follow_up(repository, caller, follow_up_id, false);
          return repository.attachments_of(follow_up_id);
        },
        budget(*context));
    for (const auto& row : rows) *response->add_attachments() = attachment_to_proto(row);
    return grpc::Status::OK;
  });
}

}  // namespace salesfollow::followup_service
