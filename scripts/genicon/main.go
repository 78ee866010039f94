// Command genicon draws the extension's icons: a rounded blue tile with sonar
// rings and a check mark. Drawing them in code keeps the PNGs reproducible
// (the packaging test regenerates them and compares bytes).
//
//	go run ./scripts/genicon -size 128 -o images/icon.png
//	go run ./scripts/genicon -size 32 -o task/SonarQubePreflightV1/icon.png
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
)

func main() {
	size := flag.Int("size", 128, "width and height in pixels")
	out := flag.String("o", "", "output PNG file")
	flag.Parse()
	if *out == "" || *size < 16 {
		fmt.Fprintln(os.Stderr, "usage: genicon -size N (>= 16) -o FILE")
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err == nil {
		err = write(f, *size)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genicon:", err)
		os.Exit(1)
	}
}

func write(w io.Writer, size int) error {
	return png.Encode(w, draw(size))
}

// draw renders the icon with 4x4 supersampling per pixel, so edges are smooth
// at 32 pixels as well as at 128.
func draw(size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const ss = 4
	s := float64(size)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					u := (float64(x) + (float64(sx)+0.5)/ss) / s
					v := (float64(y) + (float64(sy)+0.5)/ss) / s
					c := shade(u, v)
					r += c.R * c.A
					g += c.G * c.A
					b += c.B * c.A
					a += c.A
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(x, y, color.NRGBA{
				R: uint8(math.Round(r / a * 255)),
				G: uint8(math.Round(g / a * 255)),
				B: uint8(math.Round(b / a * 255)),
				A: uint8(math.Round(a / ss / ss * 255)),
			})
		}
	}
	return img
}

type rgba struct{ R, G, B, A float64 }

var (
	transparent = rgba{}
	tile        = rgba{0.09, 0.40, 0.75, 1}
	ring        = rgba{0.55, 0.78, 0.98, 1}
	white       = rgba{1, 1, 1, 1}
)

// shade is the colour at (u, v) in the unit square, y pointing down.
func shade(u, v float64) rgba {
	if !inRoundedSquare(u, v, 0.04, 0.18) {
		return transparent
	}
	// Check mark: two thick strokes.
	if distToSegment(u, v, 0.30, 0.52, 0.45, 0.67) < 0.055 || distToSegment(u, v, 0.45, 0.67, 0.74, 0.36) < 0.055 {
		return white
	}
	// Sonar rings centred low-left, clipped to the tile.
	d := math.Hypot(u-0.16, v-0.84)
	for _, radius := range []float64{0.5, 0.7, 0.9} {
		if math.Abs(d-radius) < 0.028 {
			return ring
		}
	}
	return tile
}

func inRoundedSquare(u, v, margin, radius float64) bool {
	lo, hi := margin+radius, 1-margin-radius
	cu := math.Max(lo, math.Min(hi, u))
	cv := math.Max(lo, math.Min(hi, v))
	return math.Hypot(u-cu, v-cv) <= radius
}

func distToSegment(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := ((px-ax)*dx + (py-ay)*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(px-(ax+t*dx), py-(ay+t*dy))
}
