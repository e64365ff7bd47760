// esp_engine building block: the commands of the descriptor ring
// (CONTRACT.md "Commands"): SA_INSTALL, SA_DELETE, SPI_SET, STATE_SYNC, STOP.
//
// A command's completion carries status, sa_index (the command's; NO_SA_INDEX
// for STOP), spi (SA_INSTALL: the entry's; SPI_SET: the command's) and zeros
// elsewhere. "Out of range" is sa_index >= min(sa_capacity, MAX_SAS): BAD_SA
// with nothing done.
//
// State lines and replay entries are written through by the packets that
// change them (sa_state.hpp, replay_window.hpp), and the kernel holds no copy
// of an entry or a state line across descriptors: so SA_INSTALL takes the
// entry, state line and ring as they are in card memory (with or without
// KEEP_STATE: an installed SA's state is already there, unchanged), and
// SA_DELETE, STATE_SYNC and STOP have nothing left to write back.
#pragma once

#include <cstdint>

#include "esp/hls/pragma.hpp"

#include "esp/hls/card_ports.hpp"
#include "esp/hls/descriptor.hpp"
#include "esp/hls/engine_state.hpp"
#include "esp/hls/sa_params.hpp"
#include "esp/spec/esp_spec.hpp"

ESP_HLS_BEGIN
namespace esp {
namespace hls {

inline bool is_command(spec::Opcode op) {
  using spec::Opcode;
  return op == Opcode::SA_INSTALL || op == Opcode::SA_DELETE || op == Opcode::SPI_SET ||
         op == Opcode::STATE_SYNC || op == Opcode::STOP;
}

// One command (is_command(k.op)); c starts as compl_start(0). Returns true
// for STOP (the run ends once its completion is written).
inline bool run_command(const CardPorts& cp, const CmdRec& k, ComplRec& c) {
  using spec::Opcode;
  using spec::Status;
  EngineState& st = *cp.state;
  const bool in_range = sa_in_range(k.sa_index, cp.sa_capacity);
  c.sa_index = k.op == Opcode::STOP ? spec::NO_SA_INDEX : k.sa_index;
  c.status = Status::OK;
  switch (k.op) {
    case Opcode::SA_INSTALL: {
      if (!in_range) {
        c.status = Status::BAD_SA;
        break;
      }
      SaParams sa;
      read_sa(cp.sa_table, k.sa_index, sa);
      c.spi = sa.spi;
      st.set_installed(k.sa_index, true);
      break;
    }
    case Opcode::SA_DELETE:
      if (!in_range) c.status = Status::BAD_SA;
      else st.set_installed(k.sa_index, false);
      break;
    case Opcode::SPI_SET:
      c.spi = k.spi;
      if (k.slot >= kSpiSlots) {
        c.status = Status::MALFORMED;
      } else if (k.sa_index != spec::NO_SA_INDEX && !in_range) {
        c.status = Status::BAD_SA;
      } else {
        const unsigned run_log2 = cp.spi_log2 < kMaxSpiBucketsLog2 ? cp.spi_log2 : kMaxSpiBucketsLog2;
        const uint32_t ref = k.sa_index == spec::NO_SA_INDEX ? 0u : k.sa_index + 1u;
        st.set_spi_slot(k.slot, k.spi, ref, run_log2);
      }
      break;
    case Opcode::STATE_SYNC:
      if (k.sa_index != spec::NO_SA_INDEX && !in_range) c.status = Status::BAD_SA;
      break;
    default:  // STOP
      return true;
  }
  return false;
}

}  // namespace hls
}  // namespace esp
ESP_HLS_END
