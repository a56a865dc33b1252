package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// TestPcapOfAWireCase: a wire case's trace is a pcap file next to the
// report, and gopacket reads back from it the segments the report lists,
// flag for flag; a normalised report (-stable) has none.
func TestPcapOfAWireCase(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a wire case in a network namespace")
	}
	t.Chdir("..")
	dir := t.TempDir()
	code, msg, err := runCmd(t, "-impl", "^std-tcp$", "-run", `^wire\.handshake\.three-way$`, "-out", dir)
	require.NoError(t, err, msg)
	require.Equal(t, 0, code, msg)
	rf, err := os.Open(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	rep, err := render.ReadJSON(rf)
	rf.Close()
	require.NoError(t, err)
	var res *result.Result
	for i := range rep.Results {
		if rep.Results[i].Case == "wire.handshake.three-way" && len(rep.Results[i].Wire) > 0 {
			res = &rep.Results[i]
		}
	}
	require.NotNil(t, res, "no wire trace in the report")
	if res.Outcome == result.Skip {
		t.Skipf("the wire case could not capture here: %s", res.Reason)
	}
	f, err := os.Open(filepath.Join(dir, render.PcapDir, render.PcapName(res)))
	require.NoError(t, err)
	defer f.Close()
	pr, err := pcapgo.NewReader(f)
	require.NoError(t, err)
	require.Equal(t, layers.LinkTypeRaw, pr.LinkType())
	var got []string
	for {
		data, _, err := pr.ReadPacketData()
		if err != nil {
			break
		}
		p := gopacket.NewPacket(data, layers.LayerTypeIPv4, gopacket.Default)
		tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		require.True(t, ok, "a packet of the pcap is not TCP over IPv4: %v", p)
		got = append(got, fmt.Sprintf("S=%v F=%v R=%v ack=%v seq=%d len=%d", tcp.SYN, tcp.FIN, tcp.RST, tcp.ACK, tcp.Seq, len(tcp.Payload)))
	}
	var want []string
	for _, s := range res.Wire {
		want = append(want, fmt.Sprintf("S=%v F=%v R=%v ack=%v seq=%d len=%d", strings.Contains(s.Flags, "S"), strings.Contains(s.Flags, "F"),
			strings.Contains(s.Flags, "R"), strings.HasSuffix(s.Flags, "."), s.Seq, s.Len))
	}
	require.Equal(t, want, got, "the pcap's segments are the report's")
	js, _ := json.Marshal(res.Wire[0])
	require.Contains(t, string(js), `"raw":`)

	stable := t.TempDir()
	rep.Normalize()
	require.NoError(t, render.WriteDir(stable, rep))
	_, err = os.Stat(filepath.Join(stable, render.PcapDir))
	require.True(t, os.IsNotExist(err), "a normalised report has no pcap files")
}
