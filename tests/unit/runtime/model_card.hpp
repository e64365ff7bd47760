// A card model for the runtime's ring tests: card memory is a swemu device's
// (forwarded), the kernel is this model of the contract-1.0 ring
// (CONTRACT.md "The card's own state", "A run and its ring", "Commands"):
// installed bits, its own SPI table, SA_INSTALL / SA_DELETE / SPI_SET /
// STATE_SYNC / STOP, and a packet model that is enough for the host's
// bookkeeping: ENCRYPT of an installed outbound SA takes the next sequence
// number from its state line and counts packets / bytes there; DECRYPT looks
// the SPI of a raw ESP packet (SPI at byte 0, no IP header) up in the card's
// SPI table. Every run is recorded (ring_first, DESC_PROD, the descriptors as
// the card read them) and checked against the ring contract.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "esp/driver/forwarding_device.hpp"
#include "esp/spec/esp_spec.hpp"

namespace esp::runtime::test {

class ModelCard : public driver::ForwardingDevice {
 public:
  struct Run {
    uint32_t ring_first = 0, desc_prod = 0, ring_log2 = 0;
    std::vector<spec::Command> entries;  // each descriptor as the card read it (command view)
  };

  ModelCard(uint32_t max_sas, uint32_t max_spi_log2);

  // The card's own state.
  std::vector<Run> runs;
  std::set<uint32_t> installed;                  // SA indices
  std::map<uint32_t, spec::SpiSlot> spi_slots;   // non-empty slots
  std::string breach;                            // the first ring-contract breach the host made
  // Fail the next command of this opcode with this status (once).
  spec::Opcode fail_op = spec::Opcode::NOP;
  spec::Status fail_status = spec::Status::OK;

  // The card's lookup (bucket 0 then 1 of the first 2^log2 buckets): sa_ref.
  uint32_t lookup(uint32_t spi, unsigned log2) const;
  // A card reset: no SA installed, empty SPI table, CPL_PROD 0.
  void reset();

 protected:
  uint32_t do_read_reg(uint32_t offset) override;
  void do_write_reg(uint32_t offset, uint32_t value) override;
  void do_run(const driver::KernelArgs& args) override;
  void do_reset_kernel() override { reset(); }

 private:
  spec::Completion command(const driver::KernelArgs& args, const spec::Command& c);
  spec::Completion packet(const driver::KernelArgs& args, const spec::Descriptor& d);
  spec::SaState read_state(const driver::KernelArgs& args, uint32_t index);
  void write_state(const driver::KernelArgs& args, uint32_t index, const spec::SaState& st);

  uint32_t max_sas_, max_spi_log2_;
  uint32_t desc_prod_ = 0, cpl_prod_ = 0;
  bool fresh_ = true;  // no run since open / reset: the next starts at 0
};

std::unique_ptr<ModelCard> open_model_card(uint32_t max_sas = 65536, uint32_t max_spi_log2 = 14);

}  // namespace esp::runtime::test
