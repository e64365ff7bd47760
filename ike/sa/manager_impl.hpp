// IkeManager's internals: the IKE SA and CHILD_SA records, the exchanges in
// flight, and the helpers every exchange file uses. Private to ike/sa.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "esp/ike/cookie.hpp"
#include "esp/ike/credentials.hpp"
#include "esp/ike/dh.hpp"
#include "esp/ike/ike_keys.hpp"
#include "esp/ike/ike_manager.hpp"
#include "esp/ike/message.hpp"
#include "esp/ike/proposals.hpp"
#include "esp/ike/protect.hpp"
#include "esp/ike/sk_payload.hpp"
#include "esp/ike/ts.hpp"

namespace esp::ike::detail {

enum class IkeState { Connecting, Established, Rekeying, Deleting, Dead };
enum class ChildState { Installed, Rekeying, Rekeyed, Deleting };

const char* ike_state_name(IkeState s);
const char* child_state_name(ChildState s);

struct ChildSa {
  std::uint64_t uid = 0;
  std::string name;
  const conf::ChildConfig* cfg = nullptr;
  std::uint32_t reqid = 0;
  ChildState state = ChildState::Installed;
  std::uint32_t spi_in = 0, spi_out = 0;
  Chosen suite;
  bool transport = false, encap = false;
  std::vector<runtime::TrafficSelector> local_ts, remote_ts;
  ChildHandle handle;
  Time installed{};
  std::int64_t rekey_after = 0, life_after = 0;  // seconds after install (soft / hard)
};

enum class TaskType { IkeInit, ChildCreate, ChildRekey, ChildDelete, IkeRekey, IkeDelete, Dpd };
const char* task_name(TaskType t);

// An exchange we start. Fields used by the task types that need them.
struct Task {
  TaskType type = TaskType::Dpd;
  const conf::ChildConfig* child_cfg = nullptr;  // ChildCreate, IkeInit (first child)
  std::uint64_t child_uid = 0;                   // ChildRekey, ChildDelete
  std::vector<std::uint32_t> delete_spis;        // ChildDelete: our inbound SPIs
  // In flight:
  std::uint32_t spi_in = 0;      // our new inbound SPI (child create / rekey)
  std::uint64_t new_spi = 0;     // IkeRekey: our new IKE SPI
  Bytes nonce;                   // our nonce
  std::optional<DhKey> dh;       // KE we sent (IKE rekey, PFS)
  SaPayload offer;
  std::vector<runtime::TrafficSelector> offered_local, offered_remote;
  bool transport = false;
  unsigned ke_retries = 0;
  // CHILD_SA rekey collision (2.8.1): the peer rekeyed the same child meanwhile.
  std::uint64_t collided_child = 0;  // the child the peer's exchange created
  Bytes peer_exchange_nonces_low;    // min(Ni, Nr) of the peer's exchange
  bool aborted = false;              // the SA this task works on went away
  bool ike_auth = false;             // the first CHILD_SA, created in IKE_AUTH
};

struct Outstanding {
  std::uint32_t mid = 0;
  ExchangeType exchange = ExchangeType::Informational;
  std::vector<Bytes> datagrams;
  unsigned retransmits = 0;
  Time next{};
  Task task;
};

struct IkeSa {
  std::uint64_t uid = 0;
  std::shared_ptr<const conf::Config> cfg;  // the generation it was made from
  const conf::ConnConfig* conn = nullptr;
  bool initiator = false;  // original initiator of this IKE SA
  std::uint64_t spi_i = 0, spi_r = 0;
  std::uint64_t local_spi() const { return initiator ? spi_i : spi_r; }
  IkeState state = IkeState::Connecting;
  bool authenticated = false;
  Endpoint local, remote;
  bool nat_local = false, nat_remote = false;  // local / remote side behind a NAT
  bool nat_any() const { return nat_local || nat_remote; }
  Chosen suite;
  IkeSaKeys keys;
  std::unique_ptr<SkCipher> tx, rx;
  Bytes ni, nr;
  std::optional<DhKey> dh;
  Bytes init_request, init_response;  // the IKE_SA_INIT messages, for AUTH
  Bytes cookie;                       // echoed in our IKE_SA_INIT (initiator)
  std::vector<conf::Proposal> ike_offer;  // initiator: the IKE proposals offered (reordered after INVALID_KE)
  unsigned cookie_tries = 0;
  bool frag_peer = false;      // the peer sent IKEV2_FRAGMENTATION_SUPPORTED
  bool sig_hash_peer = false;  // the peer sent SIGNATURE_HASH_ALGORITHMS
  std::vector<Bytes> peer_certreq;
  std::string local_id, remote_id;  // as printed
  IdType peer_id_type = IdType::FQDN;  // the peer's ID payload (PSK lookup)
  Bytes peer_id_data;
  std::uint32_t tx_mid = 0;  // our next request
  std::uint32_t rx_mid = 0;  // the peer's next request
  std::optional<Outstanding> out;
  std::deque<Task> queue;
  bool cached_valid = false;
  std::uint32_t cached_mid = 0;
  std::vector<Bytes> cached_response;
  Bytes init_request_seen;  // responder: the IKE_SA_INIT request (retransmit detection)
  Defragmenter defrag_requests, defrag_responses;
  std::vector<std::unique_ptr<ChildSa>> children;
  const conf::ChildConfig* first_child = nullptr;  // initiator: created in IKE_AUTH
  Task first_child_task;                           // its offer as sent (SPI, proposals, TS)
  Time created{}, established{}, last_rx{}, next_keepalive{}, rekey_at{}, half_open_deadline{};
  bool rekey_at_set = false;
  // IKE SA rekey: the SA that replaces this one / this one replaces.
  std::uint64_t rekeyed_by = 0;
  bool delete_after_rekey = false;

  ChildSa* child_by_spi_out(std::uint32_t spi);
  ChildSa* child_by_spi_in(std::uint32_t spi);
  ChildSa* child_by_uid(std::uint64_t uid);
  void remove_child(std::uint64_t uid);
};

}  // namespace esp::ike::detail

namespace esp::ike {

struct IkeManager::Impl {
  IkeHost& host;
  std::shared_ptr<const conf::Config> cfg;
  std::shared_ptr<const CredentialStore> creds;
  IkeOptions opts;
  IkeStats stats;
  CookieJar cookies;
  std::uint64_t next_uid = 1;
  std::uint32_t next_reqid = 1;
  std::unordered_map<std::string, std::uint32_t> reqids;  // "conn/child" -> reqid
  // start_action = trap: by reqid.
  struct Trap {
    std::string conn, child;
    TrapHandle handle;
  };
  std::map<std::uint32_t, Trap> traps;
  // By our IKE SPI.
  std::unordered_map<std::uint64_t, std::unique_ptr<detail::IkeSa>> sas;
  // Responder half-open SAs by the initiator's SPI and address (retransmitted IKE_SA_INIT).
  std::map<std::pair<std::uint64_t, std::string>, std::uint64_t> half_open_by_init;
  // Timer index: (when, our SPI).
  std::set<std::pair<Time, std::uint64_t>> wakeups;
  std::unordered_map<std::uint64_t, Time> wake_of;  // our SPI -> its entry in wakeups

  Impl(IkeHost& h, std::shared_ptr<const conf::Config> c, std::shared_ptr<const CredentialStore> cr, IkeOptions o);

  // --- logging
  void log(LogLevel lvl, const detail::IkeSa* sa, const std::string& text);

  // --- SA table
  detail::IkeSa* find(std::uint64_t local_spi);
  detail::IkeSa& create_sa(bool initiator, const conf::ConnConfig* conn, Time now);
  void rekey_spi(detail::IkeSa& sa, std::uint64_t new_local_spi);  // re-index under a new SPI
  void destroy(detail::IkeSa& sa, const std::string& why);  // deletes children from the card
  void schedule(detail::IkeSa& sa);                          // recompute its wakeup
  std::uint64_t random_spi();
  std::uint32_t reqid_for(const conf::ConnConfig& c, const conf::ChildConfig& ch);
  // Installs the traps the configuration asks for and removes the others.
  void sync_traps();

  // --- sending
  void send_datagrams(detail::IkeSa& sa, const std::vector<Bytes>& d);
  std::size_t fragment_len(const detail::IkeSa& sa) const;
  // Protected request/response; a request becomes sa.out (retransmitted).
  void send_request(detail::IkeSa& sa, ExchangeType ex, std::vector<Payload> inner, detail::Task task, Time now);
  void send_response(detail::IkeSa& sa, ExchangeType ex, std::uint32_t mid, std::vector<Payload> inner);
  void next_task(detail::IkeSa& sa, Time now);  // start the first queued task if idle
  void queue_task(detail::IkeSa& sa, detail::Task t, Time now);

  // --- receiving
  void receive(const Endpoint& local, const Endpoint& remote, const std::uint8_t* data, std::size_t len, Time now);
  void on_request(detail::IkeSa& sa, const IkeHeader& h, std::vector<Payload> inner, Time now);
  void on_response(detail::IkeSa& sa, const IkeHeader& h, std::vector<Payload> inner, Time now);
  void peer_address_changed(detail::IkeSa& sa, const Endpoint& local, const Endpoint& remote);
  void answer_unparsable(detail::IkeSa& sa, const IkeHeader& h, const MsgError& e);

  // --- IKE_SA_INIT / IKE_AUTH (exchange_init.cpp, exchange_auth.cpp)
  void initiate_ike(const conf::ConnConfig& conn, const conf::ChildConfig* child, Time now);
  void send_init_request(detail::IkeSa& sa, Time now);
  void on_init_request(const Endpoint& local, const Endpoint& remote, const Bytes& raw, const Message& m, Time now);
  void on_init_response(detail::IkeSa& sa, const Bytes& raw, const Message& m, Time now);
  void send_auth_request(detail::IkeSa& sa, Time now);
  void on_auth_request(detail::IkeSa& sa, const IkeHeader& h, const std::vector<Payload>& inner, Time now);
  void on_auth_response(detail::IkeSa& sa, const std::vector<Payload>& inner, Time now);
  void established(detail::IkeSa& sa, Time now);
  // The IKE SA's keys from SKEYSEED (RFC 7296 2.14: with sa's suite, nonces
  // and SPIs), its two SK ciphers by role, and the Wireshark export. Throws
  // CryptoError.
  void set_ike_keys(detail::IkeSa& sa, ByteView skeyseed);

  // --- CHILD_SAs (exchange_child.cpp)
  void start_child_task(detail::IkeSa& sa, detail::Task& t, Time now);
  void on_child_request(detail::IkeSa& sa, const IkeHeader& h, const std::vector<Payload>& inner, Time now);
  void on_child_response(detail::IkeSa& sa, detail::Task& t, const std::vector<Payload>& inner, Time now);
  // The child payloads of a responder (IKE_AUTH or CREATE_CHILD_SA): selects
  // the child config, proposal and selectors, installs, appends SA/TS/notify
  // payloads (or an error notify) to `resp`. Returns the child or nullptr.
  // in_create_child: a CREATE_CHILD_SA exchange (Nonce and KE go after SA).
  detail::ChildSa* respond_child(detail::IkeSa& sa, const std::vector<Payload>& req, ByteView ni, ByteView nr,
                                 bool in_create_child, const detail::ChildSa* rekey_of, std::vector<Payload>& resp,
                                 Time now);
  detail::ChildSa* install_child(detail::IkeSa& sa, const conf::ChildConfig& cfg, const Chosen& chosen,
                                 std::uint32_t spi_in, std::uint32_t spi_out, bool we_initiated, ByteView ni,
                                 ByteView nr, std::optional<ByteView> g_ir, const Narrowed& ts,
                                 bool transport, const detail::ChildSa* rekey_of, Time now);
  void delete_child_local(detail::IkeSa& sa, detail::ChildSa& c, const std::string& why);
  // Queues an INFORMATIONAL DELETE of our inbound SPI spi_in (the peer finds
  // its outbound SA by it); child_uid: the CHILD_SA it removes here, if any.
  void queue_child_delete(detail::IkeSa& sa, std::uint32_t spi_in, std::uint64_t child_uid = 0);
  void update_children_addresses(detail::IkeSa& sa);

  // --- IKE SA rekey (exchange_ike_rekey.cpp)
  void on_ike_rekey_request(detail::IkeSa& sa, const IkeHeader& h, const std::vector<Payload>& inner, Time now);
  void on_ike_rekey_response(detail::IkeSa& sa, detail::Task& t, const std::vector<Payload>& inner, Time now);

  // --- INFORMATIONAL (exchange_info.cpp)
  void on_info_request(detail::IkeSa& sa, const IkeHeader& h, const std::vector<Payload>& inner, Time now);
  void on_info_response(detail::IkeSa& sa, detail::Task& t, const std::vector<Payload>& inner, Time now);

  // --- timers (manager.cpp)
  void wake(detail::IkeSa& sa, Time now);
  void give_up(detail::IkeSa& sa, Time now);

  // --- listing (listing.cpp)
  nlohmann::json sa_json(const detail::IkeSa& sa, Time now) const;
};

}  // namespace esp::ike
