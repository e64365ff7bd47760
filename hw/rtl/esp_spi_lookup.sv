// esp_spi_lookup: inbound SPI -> SA (CONTRACT.md DECRYPT 4), the HLS
// spi_lookup / spi_bucket_search (spi_lookup.hpp) as combinational logic
// beside the sequencer, which reads the buckets from the card's SPI table
// (esp_card_state).
//
// bucket0_o / bucket1_o: spi_bucket_index(spi, 0 / 1, log2) =
//   log2 == 0 ? 0 : (spi * SPI_HASH_MULx mod 2^32) >> (32 - log2).
// log2_ok_o: log2 <= MaxLog2 (else no table the card holds: UNKNOWN_SPI).
// hit_o / sa_ref_o: the first slot of bucket_i (one bucket as the spec's
// spi_bucket_t, cast from its little-endian card-memory image) whose spi
// equals spi_i and whose sa_ref is not 0.
`default_nettype none

module esp_spi_lookup
  import esp_spec_pkg::*;
#(
  parameter int unsigned MaxLog2 = 14   // the card's SPI table: 2^MaxLog2 buckets
) (
  input  wire logic [31:0]                 spi_i,
  input  wire logic [31:0]                 log2_i,
  output      logic                        log2_ok_o,
  output      logic [31:0]                 bucket0_o,
  output      logic [31:0]                 bucket1_o,
  input  wire spi_bucket_t                 bucket_i,
  output      logic                        hit_o,
  output      logic [31:0]                 sa_ref_o
);

  localparam logic [31:0] Mul0 = 32'(SPI_HASH_MUL0);
  localparam logic [31:0] Mul1 = 32'(SPI_HASH_MUL1);

  function automatic logic [31:0] bucket_index(logic [31:0] spi, logic [31:0] mul, logic [5:0] log2);
    logic [31:0] h;
    h = spi * mul;
    return (log2 == '0) ? 32'd0 : 32'(h >> (6'd32 - log2));
  endfunction

  assign log2_ok_o = log2_i <= 32'(MaxLog2);
  assign bucket0_o = bucket_index(spi_i, Mul0, log2_i[5:0]);
  assign bucket1_o = bucket_index(spi_i, Mul1, log2_i[5:0]);

  // The slots by bit position (a packed array's element s is bits
  // [s*SPI_SLOT_BITS +: SPI_SLOT_BITS]): yosys 0.23 reads no member of an
  // element of a struct array.
  logic [SPI_BUCKET_BITS-1:0] bucket_bits;
  spi_slot_t                  slot;
  assign bucket_bits = bucket_i;

  always_comb begin
    hit_o    = 1'b0;
    sa_ref_o = '0;
    slot     = '0;
    for (int unsigned s = SPI_BUCKET_SLOTS_COUNT; s > 0; s--) begin  // slot order: the first wins
      slot = bucket_bits[(s-1)*SPI_SLOT_BITS +: SPI_SLOT_BITS];
      if (slot.sa_ref != '0 && slot.spi == spi_i) begin
        hit_o    = 1'b1;
        sa_ref_o = slot.sa_ref;
      end
    end
  end

endmodule : esp_spi_lookup

`default_nettype wire
