// bs_stream.v - brainsmith RTL kernel library: stream plumbing.
//
// StreamingFIFO, StreamingDataWidthConverter and AddStreams as
// parameterised Verilog-2001 modules read by both Yosys and Verilator.
// All streams are AXI-Stream valid/ready/data; a beat moves when valid and
// ready are both high on a rising edge.  Element i of a beat sits at bits
// [i*BITS +: BITS] (FINN's packing: element 0 in the least significant
// bits).  The generator (lib/rtl/rtl_emit.c) wraps every instance in a
// module with FINN's port names (in0_V_TDATA, out_V_TREADY, ap_clk,
// ap_rst_n, ...) and TDATA padded to a multiple of 8 bits.

// First-word-fall-through FIFO of DEPTH words (DEPTH >= 1).  Full
// throughput (one push and one pop per cycle); in_ready only depends on
// the FIFO state, so FIFOs cut combinational ready paths between kernels.
module bs_fifo #(
  parameter integer WIDTH = 8,
  parameter integer DEPTH = 2
)(
  input  wire             clk,
  input  wire             rst_n,
  input  wire [WIDTH-1:0] in_data,
  input  wire             in_valid,
  output wire             in_ready,
  output wire [WIDTH-1:0] out_data,
  output wire             out_valid,
  input  wire             out_ready,
  output wire [31:0]      count_o
);
  localparam integer AW = (DEPTH <= 2) ? 1 : $clog2(DEPTH);
  localparam integer CW = $clog2(DEPTH + 1);
  reg [WIDTH-1:0] mem [0:DEPTH-1];
  reg [AW-1:0] wp, rp;
  reg [CW-1:0] count;
  wire push = in_valid & in_ready;
  wire pop  = out_valid & out_ready;
  assign in_ready  = (count < DEPTH);
  assign out_valid = (count != 0);
  assign out_data  = mem[rp];
  assign count_o   = {{(32-CW){1'b0}}, count};
  always @(posedge clk) begin
    if (!rst_n) begin
      wp <= 0; rp <= 0; count <= 0;
    end else begin
      if (push) begin
        mem[wp] <= in_data;
        wp <= (wp == DEPTH - 1) ? {AW{1'b0}} : wp + 1'b1;
      end
      if (pop) rp <= (rp == DEPTH - 1) ? {AW{1'b0}} : rp + 1'b1;
      if (push & ~pop) count <= count + 1'b1;
      else if (pop & ~push) count <= count - 1'b1;
    end
  end
endmodule

// Width converter for an integer ratio (either way).  Up-conversion packs
// the first input beat into the lowest bits; down-conversion emits the
// lowest bits first.  That keeps FINN's element order across the change.
module bs_dwc_int #(
  parameter integer IW = 8,
  parameter integer OW = 8
)(
  input  wire          clk,
  input  wire          rst_n,
  input  wire [IW-1:0] in_data,
  input  wire          in_valid,
  output wire          in_ready,
  output wire [OW-1:0] out_data,
  output wire          out_valid,
  input  wire          out_ready
);
  generate
    if (IW == OW) begin : g_eq
      assign out_data = in_data;
      assign out_valid = in_valid;
      assign in_ready = out_ready;
    end else if (OW > IW) begin : g_up
      localparam integer N = OW / IW;
      localparam integer CW = (N <= 2) ? 1 : $clog2(N);
      reg [OW-1:0] acc, obuf;
      reg [CW-1:0] cnt;
      reg ov;
      assign in_ready = ~ov | out_ready;
      assign out_valid = ov;
      assign out_data = obuf;
      wire fire = in_valid & in_ready;
      always @(posedge clk) begin
        if (!rst_n) begin
          cnt <= 0; ov <= 0;
        end else begin
          if (ov & out_ready) ov <= 1'b0;
          if (fire) begin
            if (cnt == N - 1) begin
              obuf <= {in_data, acc[OW-IW-1:0]};
              ov <= 1'b1;
              cnt <= 0;
            end else begin
              acc[cnt*IW +: IW] <= in_data;
              cnt <= cnt + 1'b1;
            end
          end
        end
      end
    end else begin : g_down
      localparam integer N = IW / OW;
      localparam integer CW = (N <= 2) ? 1 : $clog2(N);
      reg [IW-1:0] hold;
      reg hv;
      reg [CW-1:0] cnt;
      assign out_valid = hv;
      assign out_data = hold[cnt*OW +: OW];
      wire last = (cnt == N - 1);
      assign in_ready = ~hv | (out_ready & last);
      always @(posedge clk) begin
        if (!rst_n) begin
          hv <= 0; cnt <= 0;
        end else begin
          if (hv & out_ready) begin
            cnt <= last ? {CW{1'b0}} : cnt + 1'b1;
            if (last) hv <= 1'b0;
          end
          if (in_valid & in_ready) begin
            hold <= in_data;
            hv <= 1'b1;
          end
        end
      end
    end
  endgenerate
endmodule

// Any ratio: up to LW = lcm(IW, OW), then down (FINN's HLS DWC semantics).
module bs_dwc #(
  parameter integer IW = 8,
  parameter integer OW = 8,
  parameter integer LW = 8
)(
  input  wire          clk,
  input  wire          rst_n,
  input  wire [IW-1:0] in_data,
  input  wire          in_valid,
  output wire          in_ready,
  output wire [OW-1:0] out_data,
  output wire          out_valid,
  input  wire          out_ready
);
  generate
    if (LW == IW || LW == OW) begin : g_one
      bs_dwc_int #(.IW(IW), .OW(OW)) u (.clk(clk), .rst_n(rst_n),
        .in_data(in_data), .in_valid(in_valid), .in_ready(in_ready),
        .out_data(out_data), .out_valid(out_valid), .out_ready(out_ready));
    end else begin : g_two
      wire [LW-1:0] md; wire mv, mr;
      bs_dwc_int #(.IW(IW), .OW(LW)) u_up (.clk(clk), .rst_n(rst_n),
        .in_data(in_data), .in_valid(in_valid), .in_ready(in_ready),
        .out_data(md), .out_valid(mv), .out_ready(mr));
      bs_dwc_int #(.IW(LW), .OW(OW)) u_dn (.clk(clk), .rst_n(rst_n),
        .in_data(md), .in_valid(mv), .in_ready(mr),
        .out_data(out_data), .out_valid(out_valid), .out_ready(out_ready));
    end
  endgenerate
endmodule

// AddStreams: lane-wise a + b, PE lanes, inputs IBITS (signed if ISIGNED),
// output OBITS.  One output beat per pair of input beats, registered.
module bs_addstreams #(
  parameter integer PE = 1,
  parameter integer IBITS = 8,
  parameter integer ISIGNED = 1,
  parameter integer OBITS = 9
)(
  input  wire                clk,
  input  wire                rst_n,
  input  wire [PE*IBITS-1:0] a_data,
  input  wire                a_valid,
  output wire                a_ready,
  input  wire [PE*IBITS-1:0] b_data,
  input  wire                b_valid,
  output wire                b_ready,
  output reg  [PE*OBITS-1:0] out_data,
  output reg                 out_valid,
  input  wire                out_ready
);
  wire take = ~out_valid | out_ready;
  wire fire = a_valid & b_valid & take;
  assign a_ready = b_valid & take;
  assign b_ready = a_valid & take;
  integer i;
  reg [OBITS-1:0] ea, eb;
  reg [PE*OBITS-1:0] sum;
  always @* begin
    sum = 0;
    for (i = 0; i < PE; i = i + 1) begin
      ea = {{(OBITS-IBITS){(ISIGNED != 0) & a_data[i*IBITS + IBITS-1]}}, a_data[i*IBITS +: IBITS]};
      eb = {{(OBITS-IBITS){(ISIGNED != 0) & b_data[i*IBITS + IBITS-1]}}, b_data[i*IBITS +: IBITS]};
      sum[i*OBITS +: OBITS] = ea + eb;
    end
  end
  always @(posedge clk) begin
    if (!rst_n) out_valid <= 1'b0;
    else if (take) begin
      out_valid <= fire;
      if (fire) out_data <= sum;
    end
  end
endmodule
