package outdir

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestClassify(t *testing.T) {
	t.Chdir(t.TempDir())
	write(t, "file", "x")
	os.Mkdir("empty", 0o755)
	write(t, "proj/src/main.go", "package main")
	write(t, "proj/README", "notes")
	write(t, "legacy/config.json", `{"format": "isonet-model/1"}`)
	write(t, "legacy/model.safetensors", "w")
	write(t, "legacy-extra/config.json", `{"format": "isonet-model/1"}`)
	write(t, "legacy-extra/notes.txt", "mine")
	write(t, "other/config.json", `{"format": "somebody-else"}`)
	write(t, "ck/checkpoint.json", `{"format": "isonet-checkpoint/1"}`)
	write(t, "ck/state.safetensors", "s")
	write(t, "geo/geometry.json", "{}")
	write(t, "geo/a.png", "png")
	if err := Mark("geo", "geometry"); err != nil {
		t.Fatal(err)
	}
	write(t, "geo-extra/geometry.json", "{}")
	if err := Mark("geo-extra", "geometry"); err != nil {
		t.Fatal(err)
	}
	write(t, "geo-extra/mine.txt", "x")
	write(t, "badmark/"+MarkerFile, "not json")
	for _, c := range []struct {
		path, what string
		kind       Kind
		foreign    string
	}{
		{"nope", "", Missing, ""},
		{"file", "", File, ""},
		{"empty", "", Empty, ""},
		{"proj", "", Foreign, "README src/"},
		{"legacy", "model", Owned, ""},
		{"legacy-extra", "", Foreign, "notes.txt"},
		{"other", "", Foreign, "config.json"},
		{"ck", "checkpoint", Owned, ""},
		{"geo", "geometry", Owned, ""},
		{"geo-extra", "", Foreign, "mine.txt"},
		{"badmark", "", Foreign, MarkerFile},
	} {
		info, err := Classify(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Kind != c.kind || info.What != c.what || strings.Join(info.Foreign, " ") != c.foreign {
			t.Errorf("%s: %v %q %q, want %v %q %q", c.path, info.Kind, info.What, info.Foreign, c.kind, c.what, c.foreign)
		}
	}
}

func TestRecord(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.png"), "x")
	if err := Record(dir, "files", filepath.Join(dir, "a.png")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "b.csv"), "x")
	if err := Record(dir, "other", filepath.Join(dir, "b.csv"), filepath.Join(dir, "a.png")); err != nil {
		t.Fatal(err)
	}
	mk, ok := ReadMarker(dir)
	if !ok || mk.Kind != "files" || strings.Join(mk.Files, " ") != "a.png b.csv" {
		t.Errorf("marker %+v %v", mk, ok)
	}
	if info, _ := Classify(dir); info.Kind != Owned {
		t.Errorf("classified %v", info.Kind)
	}
}

func refusal(t *testing.T, err error, want string) {
	t.Helper()
	var r *Refusal
	if !errors.As(err, &r) || err.Error() != want {
		t.Errorf("error %v, want refusal %q", err, want)
	}
}

func TestCheckDir(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	t.Setenv("HOME", filepath.Join(root, "home"))
	os.Mkdir("home", 0o755)
	write(t, "proj/src/main.go", "package main")
	write(t, "proj/README", "notes")
	write(t, "proj/c", "")
	write(t, "proj/d", "")
	write(t, "m/config.json", `{"format": "isonet-model/1"}`)
	write(t, "m/model.safetensors", "w")
	write(t, "runs/m2/config.json", `{"format": "isonet-model/1"}`)
	write(t, "data.csv", "1,2,0\n")
	os.Mkdir("empty", 0o755)
	os.Mkdir("sub", 0o755)
	for _, c := range []struct {
		path   string
		force  bool
		inputs []Input
		want   string // "" = allowed
	}{
		{"new", false, nil, ""},
		{"empty", false, nil, ""},
		{"m", true, nil, ""},
		{"m", false, nil, "--out m exists and is not empty (use --force to replace it)"},
		{".", true, nil, "--out . is the current folder; give a new folder's name"},
		{"..", true, nil, "--out .. holds the current folder; give a new folder's name"},
		{"sub/..", true, nil, "--out sub/.. is the current folder; give a new folder's name"},
		{"/", true, nil, "--out / holds the current folder; give a new folder's name"},
		{"home", true, nil, "--out home is the home folder; give a new folder's name"},
		{"nope/x", false, nil, "--out nope/x: folder nope does not exist"},
		{"data.csv/x", false, nil, "--out data.csv/x: data.csv is not a folder"},
		{"data.csv", true, nil, "--out data.csv is a file, not a folder; isonet does not write over files"},
		{"proj", false, nil, "--out proj is not an isonet folder (it holds README, c, d and 1 more); choose another --out"},
		{"proj", true, nil, "--out proj is not an isonet folder (it holds README, c, d and 1 more); --force replaces only folders isonet wrote"},
		{"m", true, []Input{ModelInput("m")}, "--out m is the model being read (--model m)"},
		{"runs", true, []Input{ModelInput("runs/m2")}, "--out runs holds the model being read (--model runs/m2)"},
		{"m/sub", true, []Input{ModelInput("m")}, "--out m/sub lies inside the model being read (--model m)"},
		{"new", false, []Input{DataInput("new", "--dataset csv:new")}, "--out new is the data being read (--dataset csv:new)"},
		{"new", false, []Input{ModelInput("m"), DataInput("", "")}, ""},
	} {
		_, err := CheckDir("--out", c.path, c.force, c.inputs...)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s force=%v: %v", c.path, c.force, err)
			}
			continue
		}
		refusal(t, err, c.want)
	}
}

func TestCheckFiles(t *testing.T) {
	t.Chdir(t.TempDir())
	write(t, "data.csv", "1,2,0\n")
	write(t, "notes.txt", "mine")
	write(t, "m/config.json", `{"format": "isonet-model/1"}`)
	write(t, "e.png", "old")
	write(t, "own/e.png", "old")
	Record("own", "files", "own/e.png")
	os.Mkdir("dir.csv", 0o755)
	in := []Input{ModelInput("m"), DataInput("data.csv", "--dataset csv:data.csv")}
	files := func(base string) []string { return []string{base + ".png", base + ".csv"} }
	for _, c := range []struct {
		base  string
		paths []string
		want  string
	}{
		{"new", files("new"), ""},
		{"own/e", files("own/e"), ""},
		{"e", files("e"), "--out e: e.png exists and was not written by isonet; choose another --out"},
		{"data", files("data"), "--out data: data.csv is the data being read (--dataset csv:data.csv)"},
		{"dir", files("dir"), "--out dir: dir.csv is a folder; choose another --out"},
		{"notes.txt", []string{"notes.txt"}, "--out notes.txt exists and was not written by isonet; choose another --out"},
		{"m/config.json", []string{"m/config.json"}, "--out m/config.json lies inside the model being read (--model m)"},
		{"m/new.json", []string{"m/new.json"}, "--out m/new.json lies inside the model being read (--model m)"},
		{"nope/c.json", []string{"nope/c.json"}, "--out nope/c.json: folder nope does not exist"},
	} {
		err := CheckFiles("--out", c.base, c.paths, in...)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.base, err)
			}
			continue
		}
		refusal(t, err, c.want)
	}
}

func TestLock(t *testing.T) {
	t.Chdir(t.TempDir())
	l, err := Acquire("--out", "o")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile("o.lock")
	host, _ := os.Hostname()
	if want := "isonet-lock pid=" + strconv.Itoa(os.Getpid()) + " host=" + host + " since="; !strings.HasPrefix(string(b), want) {
		t.Errorf("lock file %q, want it to start %q", b, want)
	}
	// A second taker (here in the same process: flock locks belong to open
	// files) is refused at once, naming the holder.
	_, err = Acquire("--out", "o")
	h := parseHolder(b)
	refusal(t, err, "--out o is being written by another isonet run (pid "+strconv.Itoa(os.Getpid())+" on "+host+", since "+h.Since+"); wait for it to finish or choose another --out")
	l.Release()
	l.Release()
	if _, err := os.Stat("o.lock"); !os.IsNotExist(err) {
		t.Errorf("lock file outlived Release: %v", err)
	}
	// A stale lock (its holder died: no flock, a dead pid) is taken over.
	write(t, "o.lock", "isonet-lock pid=999999999 host="+host+" since=2020-01-01T00:00:00Z\n")
	l, err = Acquire("--out", "o")
	if err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
	l.Release()
	// A user's file named o.lock is not touched.
	write(t, "o.lock", "my notes")
	_, err = Acquire("--out", "o")
	refusal(t, err, "--out o: o.lock exists and is not an isonet lock file; choose another --out")
	if b, _ := os.ReadFile("o.lock"); string(b) != "my notes" {
		t.Errorf("user's o.lock changed: %q", b)
	}
}

// TestLockRace: many goroutines taking and releasing one lock never hold
// it two at a time.
func TestLockRace(t *testing.T) {
	t.Chdir(t.TempDir())
	var held, maxHeld, got int32
	done := make(chan bool)
	var mu = make(chan struct{}, 1)
	for range 8 {
		go func() {
			for range 50 {
				l, err := Acquire("--out", "o")
				if err != nil {
					continue
				}
				mu <- struct{}{}
				held++
				got++
				if held > maxHeld {
					maxHeld = held
				}
				<-mu
				time.Sleep(100 * time.Microsecond) // the window another holder would show in
				mu <- struct{}{}
				held--
				<-mu
				l.Release()
			}
			done <- true
		}()
	}
	for range 8 {
		<-done
	}
	if maxHeld != 1 || got == 0 {
		t.Errorf("lock held by %d at once (%d acquisitions)", maxHeld, got)
	}
}

func TestCheckFolderFiles(t *testing.T) {
	t.Chdir(t.TempDir())
	write(t, "m/config.json", `{"format": "isonet-model/1"}`)
	write(t, "g/geometry.json", "{}")
	Record("g", "geometry", "g/geometry.json")
	write(t, "g/notes.txt", "mine") // kept: never written
	write(t, "u/geometry.json", "{}")
	write(t, "file", "x")
	names := []string{"geometry.json", "a.png"}
	in := []Input{ModelInput("m")}
	for _, c := range []struct{ dir, want string }{
		{"new", ""},
		{"g", ""},
		{"u", "--out u: u/geometry.json exists and was not written by isonet; choose another --out"},
		{"file", "--out file is a file, not a folder; isonet does not write over files"},
		{"m", "--out m is the model being read (--model m)"},
		{"m/g", "--out m/g lies inside the model being read (--model m)"},
		{".", "--out . is the current folder; give a new folder's name"},
	} {
		err := CheckFolderFiles("--out", c.dir, names, in...)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.dir, err)
			}
			continue
		}
		refusal(t, err, c.want)
	}
}

// TestLockWithoutFlock: where the file system has no flock, a lock whose
// pid is alive on this host, or that names another host, is respected,
// and one whose pid is dead on this host is stale and taken over.
func TestLockWithoutFlock(t *testing.T) {
	t.Chdir(t.TempDir())
	lockFile = func(*os.File) error { return errNoFlock }
	t.Cleanup(func() { lockFile = flock })
	host, _ := os.Hostname()
	for _, c := range []struct {
		content string
		free    bool
	}{
		{"isonet-lock pid=" + strconv.Itoa(os.Getpid()) + " host=" + host + " since=x\n", false},
		{"isonet-lock pid=999999999 host=elsewhere since=x\n", false},
		{"isonet-lock pid=999999999 host=" + host + " since=x\n", true},
		{"", true},
	} {
		write(t, "o.lock", c.content)
		l, err := Acquire("--out", "o")
		if c.free != (err == nil) {
			t.Errorf("lock %q: error %v, want free=%v", c.content, err, c.free)
		}
		l.Release()
	}
}

// TestLockHolderKilled: a lock held by another process is refused, naming
// that process; once it is killed (SIGKILL: no chance to clean up, the
// lock file stays with its dead pid) the next run takes the lock over.
func TestLockHolderKilled(t *testing.T) {
	if dir := os.Getenv("OUTDIR_TEST_HOLD"); dir != "" {
		os.Chdir(dir)
		if _, err := Acquire("--out", "o"); err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("held\n")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHolderKilled$")
	cmd.Env = append(os.Environ(), "OUTDIR_TEST_HOLD="+dir)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start a child process: %v", err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "held\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child: %q", line)
	}
	_, err := Acquire("--out", "o")
	want := "--out o is being written by another isonet run (pid " + strconv.Itoa(cmd.Process.Pid) + " on "
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("while the child holds the lock: %v, want %q...", err, want)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if b, _ := os.ReadFile("o.lock"); !strings.Contains(string(b), "pid="+strconv.Itoa(cmd.Process.Pid)+" ") {
		t.Errorf("the killed holder's lock file says %q", b)
	}
	l, err := Acquire("--out", "o")
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	if b, _ := os.ReadFile("o.lock"); !strings.Contains(string(b), "pid="+strconv.Itoa(os.Getpid())+" ") {
		t.Errorf("taken-over lock file says %q", b)
	}
	l.Release()
}

// TestMarkerBeingWritten: a folder holding only the temporary file of a
// marker another isonet process is writing (atomicfile's .NAME.tmp-*) is
// empty, not foreign — two processes starting in one new folder race
// there (TestTwoProcessesOneFolder).
func TestMarkerBeingWritten(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "."+MarkerFile+".tmp-123"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	info, err := Classify(dir)
	if err != nil || info.Kind != Empty {
		t.Fatalf("Classify = %+v, %v; want Empty", info, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mine.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if info, _ := Classify(dir); info.Kind != Foreign || len(info.Foreign) != 1 || info.Foreign[0] != "mine.txt" {
		t.Fatalf("with a user's file: %+v, want Foreign [mine.txt]", info)
	}
}
