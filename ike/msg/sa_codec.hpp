// Private: the SA payload body's codec (sa_codec.cpp).
#pragma once

#include "codec.hpp"

namespace esp::ike::detail {
MsgResult<PayloadBody> parse_sa(Reader r);
std::optional<MsgError> build_sa(const SaPayload& sa, Bytes& out);
}  // namespace esp::ike::detail
