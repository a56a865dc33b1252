package render

import (
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/netconform/netconform/harness/result"
)

// PcapDir is the folder, inside a report's, of the wire traces as pcap
// files: one per result whose trace kept its packets (a report that is
// not normalised), named by PcapName, link type raw IP, each packet cut
// to its first 128 bytes as captured. Wireshark and tcpdump -r read them.
const PcapDir = "pcap"

var unsafeName = regexp.MustCompile(`[^a-z0-9.-]`)

// PcapName is the file name of r's pcap: impl_case_role.pcap, with any
// character but lower-case letters, digits, '.' and '-' turned into '_'
// (the page builds the same name for its link).
func PcapName(r *result.Result) string {
	return unsafeName.ReplaceAllString(r.Impl, "_") + "_" + unsafeName.ReplaceAllString(r.Case, "_") + "_" +
		unsafeName.ReplaceAllString(string(r.Role), "_") + ".pcap"
}

// hasPackets reports whether r's wire trace kept any packet.
func hasPackets(r *result.Result) bool {
	for _, s := range r.Wire {
		if len(s.Raw) > 0 {
			return true
		}
	}
	return false
}

// writePcaps replaces dir's pcap folder with a file per result with
// packets; timestamps are the run's start plus each segment's time.
func writePcaps(dir string, r *Report) error {
	pd := filepath.Join(dir, PcapDir)
	if err := os.RemoveAll(pd); err != nil {
		return err
	}
	start := r.Header.Started
	if start.IsZero() {
		start = r.Header.Generated
	}
	for i := range r.Results {
		res := &r.Results[i]
		if !hasPackets(res) {
			continue
		}
		if err := os.MkdirAll(pd, 0o755); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(pd, PcapName(res)), func(w io.Writer) error { return WritePcap(w, res, start) }); err != nil {
			return err
		}
	}
	return nil
}

// WritePcap writes r's captured packets as a pcap stream.
func WritePcap(w io.Writer, r *result.Result, start time.Time) error {
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(128, layers.LinkTypeRaw); err != nil {
		return err
	}
	for _, s := range r.Wire {
		if len(s.Raw) == 0 {
			continue
		}
		ci := gopacket.CaptureInfo{Timestamp: start.Add(s.At), CaptureLength: len(s.Raw), Length: max(ipLength(s.Raw), len(s.Raw))}
		if err := pw.WritePacket(ci, s.Raw); err != nil {
			return err
		}
	}
	return nil
}

// ipLength is the length of the whole IP packet that b starts.
func ipLength(b []byte) int {
	switch {
	case len(b) >= 4 && b[0]>>4 == 4:
		return int(binary.BigEndian.Uint16(b[2:4]))
	case len(b) >= 6 && b[0]>>4 == 6:
		return 40 + int(binary.BigEndian.Uint16(b[4:6]))
	}
	return len(b)
}
