// esp-offload: the card-memory commands of esp_mem_access, shared by its
// clients (esp_batch_ctrl, esp_desc_stream, esp_pkt_stream, esp_writeback).

`default_nettype none

package esp_mem_pkg;
  import esp_spec_pkg::*;

  typedef enum logic [2:0] {
    CmdRdStruct = 3'd0,  // struct read: len bytes at an 8-byte-aligned address -> image
    CmdWrStruct = 3'd1,  // strobed struct write: the masked bytes of an image
    CmdRdPkt    = 3'd2,  // packet read: ceil(len/64) beats into the client's buffer (its ticket's word 0 on)
    CmdWrPkt    = 3'd3,  // packet write: ceil(len/64) beats of the client's buffer (zero past len, nothing past cap)
    CmdFill     = 3'd4   // len zero bytes at an 8-byte-aligned address
  } mem_cmd_e;

  // ------------------------------------------------------------- AXI4 master
  // The engine's card-memory port (esp_mem_rd: AR/R, esp_mem_wr: AW/W/B),
  // one 512-bit data bus (PKT_BUS_BYTES), 64-bit addresses, one ID. Bundled
  // as OpenTitan bundles TileLink (tl_h2d_t / tl_d2h_t): the request the
  // master drives, the response it receives. esp_engine's ports stay flat
  // m_axi_* (the Vitis RTL-kernel interface) and are packed there.
  localparam int unsigned AxiDw = 8 * PKT_BUS_BYTES;

  typedef struct packed {   // AW or AR
    logic [63:0] addr;
    logic [7:0]  len;
    logic [2:0]  size;
    logic [1:0]  burst;
    logic [3:0]  cache;
    logic [2:0]  prot;
  } axi_ax_t;

  typedef struct packed {
    axi_ax_t                  aw;
    logic                     aw_valid;
    logic [AxiDw-1:0]         w_data;
    logic [PKT_BUS_BYTES-1:0] w_strb;
    logic                     w_last;
    logic                     w_valid;
    logic                     b_ready;
  } axi_wr_req_t;

  typedef struct packed {
    logic                     aw_ready;
    logic                     w_ready;
    logic [1:0]               b_resp;
    logic                     b_valid;
  } axi_wr_rsp_t;

  typedef struct packed {
    axi_ax_t                  ar;
    logic                     ar_valid;
    logic                     r_ready;
  } axi_rd_req_t;

  typedef struct packed {
    logic                     ar_ready;
    logic [AxiDw-1:0]         r_data;
    logic [1:0]               r_resp;
    logic                     r_last;
    logic                     r_valid;
  } axi_rd_rsp_t;

  typedef struct packed {
    axi_wr_req_t wr;
    axi_rd_req_t rd;
  } axi_req_t;

  typedef struct packed {
    axi_wr_rsp_t wr;
    axi_rd_rsp_t rd;
  } axi_rsp_t;

  // The bytes of an SA entry the engine reads: every field (the reserved
  // tail after tun_dst is not read).
  function automatic int unsigned sa_read_bytes();
    return SA_ENTRY_TUN_DST_OFFSET + SA_ENTRY_TUN_DST_BYTES;
  endfunction

endpackage

`default_nettype wire
