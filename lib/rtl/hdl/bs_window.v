// bs_window.v - brainsmith RTL kernel library: sliding-window kernels.
//
// ConvolutionInputGenerator (2D/1D, stride, dilation, depthwise order),
// StreamingMaxPool, Pool (MaxPool) and LabelSelect.  Same stream conventions as
// bs_stream.v (element 0 in the lowest bits of a beat, NHWC order,
// channel fold innermost).

// ConvolutionInputGenerator: input (IH, IW, CF, SIMD) beats, output
// (OH, OW, KH, KW, CF, SIMD) beats, i.e. FINN's im2col order (ky, kx, c).
// A ring buffer of BUFD (a power of two) input beats holds the rows in use;
// the writer may run ahead while the oldest beat still needed by the
// current window stays in the ring, the reader emits a beat as soon as it
// has been written.  BUFD >= ((KH-1)*DH*IW + (KW-1)*DW + 1)*CF.
// DEPTHWISE=1 emits FINN's depthwise order (OH, OW, CF, KH, KW, SIMD).
module bs_swg #(
  parameter integer IH = 4, parameter integer IW = 4,
  parameter integer CH = 1, parameter integer SIMD = 1,
  parameter integer KH = 3, parameter integer KW = 3,
  parameter integer SH = 1, parameter integer SW = 1,
  parameter integer DH = 1, parameter integer DW = 1,
  parameter integer OH = 2, parameter integer OW = 2,
  parameter integer BITS = 8,
  parameter integer BUFD = 16,
  parameter integer DEPTHWISE = 0
)(
  input  wire                 clk,
  input  wire                 rst_n,
  input  wire [SIMD*BITS-1:0] in_data,
  input  wire                 in_valid,
  output wire                 in_ready,
  output reg  [SIMD*BITS-1:0] out_data,
  output reg                  out_valid,
  input  wire                 out_ready
);
  localparam integer CF = CH / SIMD;
  localparam integer TOT = IH * IW * CF;
  localparam integer CW = $clog2(TOT + BUFD + 1) + 1;
  localparam integer BAW = (BUFD <= 2) ? 1 : $clog2(BUFD);
  reg [SIMD*BITS-1:0] mem [0:BUFD-1];
  reg [CW-1:0] wr;
  reg [15:0] oy, ox, ky, kx, cf;
  reg rd_done;
  wire wr_done = (wr == TOT);
  wire [CW-1:0] base = (oy * SH * IW + ox * SW) * CF;
  wire [CW-1:0] idx = ((oy * SH + ky * DH) * IW + ox * SW + kx * DW) * CF + cf;
  wire [CW-1:0] min_need = rd_done ? TOT[CW-1:0] : base;
  wire stall = out_valid & ~out_ready;
  assign in_ready = ~wr_done & (wr < min_need + BUFD);
  wire fire_w = in_valid & in_ready;
  wire fire_r = ~rd_done & (idx < wr) & ~stall;
  wire [BAW-1:0] waddr = wr[BAW-1:0];
  wire [BAW-1:0] raddr = idx[BAW-1:0];
  always @(posedge clk) begin
    if (fire_w) mem[waddr] <= in_data;
    if (fire_r) out_data <= mem[raddr];
  end
  always @(posedge clk) begin
    if (!rst_n) begin
      wr <= 0; rd_done <= 0; out_valid <= 0;
      oy <= 0; ox <= 0; ky <= 0; kx <= 0; cf <= 0;
    end else begin
      if (!stall) out_valid <= fire_r;
      if (wr_done & rd_done) begin
        wr <= 0; rd_done <= 1'b0;
      end else if (fire_w) begin
        wr <= wr + 1'b1;
      end
      if (fire_r && DEPTHWISE != 0) begin
        if (kx != KW - 1) kx <= kx + 1'b1;
        else begin
          kx <= 0;
          if (ky != KH - 1) ky <= ky + 1'b1;
          else begin
            ky <= 0;
            if (cf != CF - 1) cf <= cf + 1'b1;
            else begin
              cf <= 0;
              if (ox != OW - 1) ox <= ox + 1'b1;
              else begin
                ox <= 0;
                if (oy != OH - 1) oy <= oy + 1'b1;
                else begin
                  oy <= 0;
                  rd_done <= 1'b1;
                end
              end
            end
          end
        end
      end
      if (fire_r && DEPTHWISE == 0) begin
        if (cf != CF - 1) cf <= cf + 1'b1;
        else begin
          cf <= 0;
          if (kx != KW - 1) kx <= kx + 1'b1;
          else begin
            kx <= 0;
            if (ky != KH - 1) ky <= ky + 1'b1;
            else begin
              ky <= 0;
              if (ox != OW - 1) ox <= ox + 1'b1;
              else begin
                ox <= 0;
                if (oy != OH - 1) oy <= oy + 1'b1;
                else begin
                  oy <= 0;
                  rd_done <= 1'b1;
                end
              end
            end
          end
        end
      end
    end
  end
endmodule

// StreamingMaxPool: non-overlapping PKH x PKW max pooling (stride = kernel,
// no ceil mode), input (IH, IW, CF, PE) beats, output (OH, OW, CF, PE)
// with OH = IH/PKH, OW = IW/PKW.  One row of partial maxima is kept.
module bs_maxpool #(
  parameter integer IH = 4, parameter integer IW = 4,
  parameter integer CH = 1, parameter integer PE = 1,
  parameter integer PKH = 2, parameter integer PKW = 2,
  parameter integer BITS = 8, parameter integer SIGNED = 0
)(
  input  wire               clk,
  input  wire               rst_n,
  input  wire [PE*BITS-1:0] in_data,
  input  wire               in_valid,
  output wire               in_ready,
  output reg  [PE*BITS-1:0] out_data,
  output reg                out_valid,
  input  wire               out_ready
);
  localparam integer CF = CH / PE;
  localparam integer OH = IH / PKH;
  localparam integer OW = IW / PKW;
  localparam integer RD = OW * CF;
  reg [PE*BITS-1:0] row [0:RD-1];
  reg [15:0] y, x, cf, py, px, ox;
  assign in_ready = ~out_valid | out_ready;
  wire fire = in_valid & in_ready;
  wire in_win = (ox < OW) && (y < OH * PKH);
  wire [15:0] ridx = ox * CF + cf;
  wire [PE*BITS-1:0] old = row[in_win ? ridx : 16'd0];
  wire fresh = (py == 0) && (px == 0);
  reg [PE*BITS-1:0] nv;
  reg signed [BITS:0] a, b;
  integer l;
  always @* begin
    for (l = 0; l < PE; l = l + 1) begin
      a = {(SIGNED != 0) & in_data[l*BITS + BITS-1], in_data[l*BITS +: BITS]};
      b = {(SIGNED != 0) & old[l*BITS + BITS-1], old[l*BITS +: BITS]};
      nv[l*BITS +: BITS] = (fresh || a > b) ? in_data[l*BITS +: BITS] : old[l*BITS +: BITS];
    end
  end
  always @(posedge clk) if (fire && in_win) row[ridx] <= nv;
  always @(posedge clk) begin
    if (!rst_n) begin
      y <= 0; x <= 0; cf <= 0; py <= 0; px <= 0; ox <= 0; out_valid <= 0;
    end else begin
      if (out_valid & out_ready) out_valid <= 1'b0;
      if (fire) begin
        if (in_win && py == PKH - 1 && px == PKW - 1) begin
          out_data <= nv;
          out_valid <= 1'b1;
        end
        if (cf != CF - 1) cf <= cf + 1'b1;
        else begin
          cf <= 0;
          if (x != IW - 1) begin
            x <= x + 1'b1;
            if (px != PKW - 1) px <= px + 1'b1;
            else begin px <= 0; ox <= ox + 1'b1; end
          end else begin
            x <= 0; px <= 0; ox <= 0;
            if (y != IH - 1) begin
              y <= y + 1'b1;
              py <= (py != PKH - 1) ? py + 1'b1 : 16'd0;
            end else begin
              y <= 0; py <= 0;
            end
          end
        end
      end
    end
  end
endmodule

// Pool (FINN's Pool_hls, Function MaxPool): the windows of a depthwise
// ConvolutionInputGenerator, (B, OH, OW, CF, K, PE) beats, reduced to
// (B, OH, OW, CF, PE): the maximum of each K consecutive beats, lane-wise.
module bs_pool #(
  parameter integer PE = 1, parameter integer K = 4,
  parameter integer BITS = 8, parameter integer SIGNED = 0
)(
  input  wire               clk,
  input  wire               rst_n,
  input  wire [PE*BITS-1:0] in_data,
  input  wire               in_valid,
  output wire               in_ready,
  output reg  [PE*BITS-1:0] out_data,
  output reg                out_valid,
  input  wire               out_ready
);
  reg [PE*BITS-1:0] acc;
  reg [15:0] k;
  assign in_ready = ~out_valid | out_ready;
  wire fire = in_valid & in_ready;
  reg [PE*BITS-1:0] nv;
  reg signed [BITS:0] a, b;
  integer l;
  always @* begin
    for (l = 0; l < PE; l = l + 1) begin
      a = {(SIGNED != 0) & in_data[l*BITS + BITS-1], in_data[l*BITS +: BITS]};
      b = {(SIGNED != 0) & acc[l*BITS + BITS-1], acc[l*BITS +: BITS]};
      nv[l*BITS +: BITS] = (k == 0 || a > b) ? in_data[l*BITS +: BITS] : acc[l*BITS +: BITS];
    end
  end
  always @(posedge clk) begin
    if (!rst_n) begin
      k <= 0; out_valid <= 0;
    end else begin
      if (out_valid & out_ready) out_valid <= 1'b0;
      if (fire) begin
        acc <= nv;
        if (k == K - 1) begin
          k <= 0;
          out_data <= nv;
          out_valid <= 1'b1;
        end else k <= k + 1'b1;
      end
    end
  end
endmodule

// LabelSelect: top-K indices of LABELS values arriving as LABELS/PE beats
// of PE lanes; emits K beats, each one index (OBITS), largest value first,
// ties broken towards the lower index (ONNX TopK order).
module bs_labelselect #(
  parameter integer LABELS = 10,
  parameter integer PE = 1,
  parameter integer K = 1,
  parameter integer IBITS = 8,
  parameter integer ISIGNED = 1,
  parameter integer OBITS = 8
)(
  input  wire               clk,
  input  wire               rst_n,
  input  wire [PE*IBITS-1:0] in_data,
  input  wire               in_valid,
  output wire               in_ready,
  output wire [OBITS-1:0]   out_data,
  output wire               out_valid,
  input  wire               out_ready
);
  localparam integer NB = LABELS / PE;
  reg [K*IBITS-1:0] vals;
  reg [K*OBITS-1:0] idxs;
  reg [K-1:0] vv;
  reg [15:0] cnt, ko;
  reg emit;
  assign in_ready = ~emit;
  assign out_valid = emit;
  assign out_data = idxs[ko*OBITS +: OBITS];
  wire fire = in_valid & ~emit;

  reg [K*IBITS-1:0] tv;
  reg [K*OBITS-1:0] ti;
  reg [K-1:0] tvv;
  reg signed [IBITS:0] e, c;
  reg [OBITS-1:0] ei;
  integer l, j, pos;
  always @* begin
    tv = vals; ti = idxs; tvv = (cnt == 0) ? {K{1'b0}} : vv;
    for (l = 0; l < PE; l = l + 1) begin
      e = {(ISIGNED != 0) & in_data[l*IBITS + IBITS-1], in_data[l*IBITS +: IBITS]};
      ei = cnt * PE + l;
      pos = K;
      for (j = K - 1; j >= 0; j = j - 1) begin
        c = {(ISIGNED != 0) & tv[j*IBITS + IBITS-1], tv[j*IBITS +: IBITS]};
        if (!tvv[j] || e > c) pos = j;
      end
      for (j = K - 1; j >= 1; j = j - 1) begin
        if (j > pos) begin
          tv[j*IBITS +: IBITS] = tv[(j-1)*IBITS +: IBITS];
          ti[j*OBITS +: OBITS] = ti[(j-1)*OBITS +: OBITS];
          tvv[j] = tvv[j-1];
        end
      end
      for (j = 0; j < K; j = j + 1) begin
        if (j == pos) begin
          tv[j*IBITS +: IBITS] = in_data[l*IBITS +: IBITS];
          ti[j*OBITS +: OBITS] = ei;
          tvv[j] = 1'b1;
        end
      end
    end
  end
  always @(posedge clk) begin
    if (!rst_n) begin
      cnt <= 0; ko <= 0; emit <= 0; vv <= 0;
    end else begin
      if (fire) begin
        vals <= tv; idxs <= ti; vv <= tvv;
        if (cnt == NB - 1) begin cnt <= 0; emit <= 1'b1; ko <= 0; end
        else cnt <= cnt + 1'b1;
      end
      if (emit & out_ready) begin
        if (ko == K - 1) begin emit <= 1'b0; ko <= 0; end
        else ko <= ko + 1'b1;
      end
    end
  end
endmodule
