// esp_head_client: the process stage's commands on esp_mem_access's process
// client, and its count of posted writes (hw/rtl/DATAPATH.md "The process
// stage across descriptors"). Two sources share the client, which takes one
// command at a time and reads its fields until it takes it (mem_acc_i):
//   - the head's (esp_batch_ctrl: h_go_i, a registered pulse, its fields
//     h_*_i held until taken), first;
//   - the tail's flush of an old replay ring entry (a crossing committed in
//     the tail: fl_i, one held at a time: fl_full_o), a posted write of
//     REPLAY_ENTRY_SIZE bytes at replay_base_i + fl_i.off.
// One presented is held until taken; the head's go is deferred meanwhile.
// The SA store's write-back (wb_i: the head waits in StCmdWb) puts its own
// commands on the client instead, so no flush is presented then.
// wr_idle_o: every posted write (the head's, h_wr_i when taken; the
// write-back's; the flushes) has its response and no flush is held, so a
// read after them sees them (AXI does not order a read after a write).
`default_nettype none

module esp_head_client
  import esp_spec_pkg::*;
  import esp_mem_pkg::*;
  import esp_unit_pkg::*;
#(
  localparam int unsigned Dw = 8 * PKT_BUS_BYTES,
  localparam int unsigned WrW = 12
) (
  input  wire logic                     clk_i,
  input  wire logic                     rst_ni,

  // the head's command
  input  wire logic                     h_go_i,
  input  wire logic                     h_wr_i,     // it is a posted write (counted when taken)
  input  wire mem_cmd_e                 h_cmd_i,
  input  wire logic [63:0]              h_addr_i,
  input  wire logic [Dw-1:0]            h_wimg_i,
  input  wire logic [PKT_BUS_BYTES-1:0] h_wmask_i,
  output      logic                     h_acc_o,    // taken (this cycle)

  // the tail's flushes
  input  wire te_flush_t                fl_i,
  input  wire logic [63:0]              replay_base_i,
  output      logic                     fl_full_o,

  input  wire logic                     wb_i,       // the SA store's write-back owns the client
  output      logic                     wr_idle_o,

  // to the client (through esp_sa_store, which adds its write-back's)
  output      logic                     p_valid_o,
  output      mem_cmd_e                 p_cmd_o,
  output      logic [63:0]              p_addr_o,
  output      logic [Dw-1:0]            p_wimg_o,
  output      logic [PKT_BUS_BYTES-1:0] p_wmask_o,
  input  wire logic                     mem_acc_i,
  input  wire logic                     mem_wdone_i
);

  logic          fl_v_q, fl_on_q, h_on_q, h_defer_q;
  logic [63:0]   fl_off_q;
  replay_entry_t fl_te_q;
  logic          h_want, pres_h, pres_fl, sel_fl, acc_fl;
  logic [WrW-1:0] wr_out_q;   // posted writes whose responses are not in

  assign h_want    = h_go_i | h_defer_q;
  assign pres_h    = h_want && !fl_on_q;
  assign pres_fl   = fl_v_q && !fl_on_q && !h_want && !h_on_q && !wb_i;
  assign sel_fl    = fl_on_q | pres_fl;
  assign h_acc_o   = mem_acc_i && !sel_fl;
  assign acc_fl    = mem_acc_i && sel_fl;
  assign p_valid_o = pres_h | pres_fl;
  assign p_cmd_o   = sel_fl ? CmdWrStruct : h_cmd_i;
  assign p_addr_o  = sel_fl ? replay_base_i + fl_off_q : h_addr_i;
  assign p_wimg_o  = sel_fl ? Dw'(fl_te_q) : h_wimg_i;
  assign p_wmask_o = sel_fl ? PKT_BUS_BYTES'({REPLAY_ENTRY_SIZE{1'b1}}) : h_wmask_i;
  assign fl_full_o = fl_v_q;
  assign wr_idle_o = wr_out_q == '0 && !fl_v_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      {fl_v_q, fl_on_q, h_on_q, h_defer_q} <= '0;
      wr_out_q <= '0;
    end else begin
      fl_v_q    <= fl_i.v | (fl_v_q & !acc_fl);   // (the tail sends one only while !fl_v_q)
      fl_on_q   <= (fl_on_q | pres_fl) & !acc_fl;
      h_on_q    <= (h_on_q | pres_h) & !h_acc_o;
      h_defer_q <= h_want & !pres_h;
      wr_out_q  <= wr_out_q + WrW'((h_wr_i && h_acc_o) || (wb_i && mem_acc_i) || acc_fl) - WrW'(mem_wdone_i);
    end
  end
  always_ff @(posedge clk_i) begin
    if (fl_i.v) begin
      fl_off_q <= fl_i.off; fl_te_q <= fl_i.te;
    end
  end

endmodule : esp_head_client

`default_nettype wire
