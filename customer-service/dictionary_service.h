// salesfollow.v1.DictionaryService: the managed dictionaries and the
// talk-track library. Everyone authenticated reads; managers and admins write.
#pragma once

#include "salesfollow/common/auth.h"
#include "salesfollow/common/clock.h"
#include "salesfollow/common/db_pool.h"
#include "salesfollow/common/page_token.h"
#include "salesfollow/v1/dictionary.grpc.pb.h"

namespace salesfollow::customer_service {

class DictionaryServiceImpl final : public v1::DictionaryService::Service {
 public:
  DictionaryServiceImpl(ConnectionPool& db, const Clock& clock, const TokenVerifier& tokens,
                        const PageTokenCodec& page_tokens)
      : db_(db), clock_(clock), tokens_(tokens), page_tokens_(page_tokens) {}

  grpc::Status ListDictionaryEntries(grpc::ServerContext* context,
                                     const v1::ListDictionaryEntriesRequest* request,
                                     v1::ListDictionaryEntriesResponse* response) override;
  grpc::Status CreateDictionaryEntry(grpc::ServerContext* context,
                                     const v1::CreateDictionaryEntryRequest* request,
                                     v1::DictionaryEntry* response) override;
  grpc::Status UpdateDictionaryEntry(grpc::ServerContext* context,
                                     const v1::UpdateDictionaryEntryRequest* request,
                                     v1::DictionaryEntry* response) override;
  grpc::Status RetireDictionaryEntry(grpc::ServerContext* context,
                                     const v1::RetireDictionaryEntryRequest* request,
                                     v1::DictionaryEntry* response) override;
  grpc::Status CreateTalkTrack(grpc::ServerContext* context,
                               const v1::CreateTalkTrackRequest* request,
                               v1::TalkTrack* response) override;
  grpc::Status UpdateTalkTrack(grpc::ServerContext* context,
                               const v1::UpdateTalkTrackRequest* request,
                               v1::TalkTrack* response) override;
  grpc::Status RetireTalkTrack(grpc::ServerContext* context,
                               const v1::RetireTalkTrackRequest* request,
                               v1::TalkTrack* response) override;
  grpc::Status SearchTalkTracks(grpc::ServerContext* context,
                                const v1::SearchTalkTracksRequest* request,
                                v1::SearchTalkTracksResponse* response) override;

 private:
  Caller writer(const grpc::ServerContext& context) const;
  ConnectionPool& db_;
  const Clock& clock_;
  const TokenVerifier& tokens_;
  const PageTokenCodec& page_tokens_;
};

}  // namespace salesfollow::customer_service
