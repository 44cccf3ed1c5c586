"""``twistd kuzzle``: options, configuration discovery and start-up failures."""

from __future__ import annotations

import io
import os
import sys
import zipfile
from pathlib import Path

from twisted.application.service import IServiceMaker
from twisted.internet.utils import getProcessOutputAndValue
from twisted.plugin import getPlugins
from twisted.trial.unittest import SynchronousTestCase, TestCase

from kuzzle_tx import tap


class OptionsTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.directory = Path(self.mktemp())
        self.directory.mkdir()
        cwd = os.getcwd()
        os.chdir(self.directory)
        self.addCleanup(os.chdir, cwd)

    def parse(self, *argv: str) -> tap.Options:
        options = tap.Options()
        options.parseOptions(list(argv))
        return options

    def test_defaults(self) -> None:
        """Without options: built-in defaults, port 7512, data in ./data."""
        options = self.parse()
        self.assertEqual(options["kuzzle_config"].server.port, 7512)
        self.assertEqual(options["data-dir"], "data")
        self.assertEqual(options["listen"], [])

    def test_port_and_listen(self) -> None:
        """--port overrides server.port; --listen may be given several times."""
        options = self.parse("--port", "7600", "--listen", "tcp:1", "-l", "unix:/tmp/k.sock")
        self.assertEqual(options["kuzzle_config"].server.port, 7600)
        self.assertEqual(options["listen"], ["tcp:1", "unix:/tmp/k.sock"])

    def test_kuzzlerc_in_working_directory(self) -> None:
        """./kuzzlerc.json is read when present and no --config is given."""
        Path("kuzzlerc.json").write_text('{"server": {"port": 7700} // comment\n}')
        self.assertEqual(self.parse()["kuzzle_config"].server.port, 7700)

    def test_invalid_configuration_is_one_line(self) -> None:
        """An invalid value exits with status 1 and one line naming the key."""
        Path("bad.json").write_text(
            '{"server": {"protocols": {"websocket": {"idleTimeout": -1}}}}'
        )
        stderr = io.StringIO()
        self.patch(sys, "stderr", stderr)
        error = self.assertRaises(SystemExit, self.parse, "--config", "bad.json")
        self.assertEqual(error.code, 1)
        lines = stderr.getvalue().splitlines()
        self.assertEqual(len(lines), 1)
        self.assertIn("server.protocols.websocket.idleTimeout", lines[0])

    def test_make_service_listens_on_the_configured_port(self) -> None:
        """Without --listen the service listens on tcp:<server.port>."""
        service = tap.makeService(self.parse("--port", "7601"))
        [listener] = list(service)
        self.assertEqual(listener.name, "tcp:7601")

    def test_plugin_is_discovered(self) -> None:
        """twistd finds the 'kuzzle' plugin."""
        names = [maker.tapname for maker in getPlugins(IServiceMaker)]
        self.assertIn("kuzzle", names)


class WheelTests(TestCase):
    timeout = 180

    async def test_wheel_ships_the_plugin(self) -> None:
        """The built wheel contains twisted/plugins/kuzzle_plugin.py and the package."""
        root = Path(__file__).resolve().parent.parent
        out = Path(self.mktemp()).resolve()
        out.mkdir()
        stdout, stderr, code = await getProcessOutputAndValue(
            sys.executable,
            [
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "-q",
                "-w",
                str(out),
                str(root),
            ],
            env=dict(os.environ),
            path=str(out),
        )
        self.assertEqual(code, 0, stderr.decode())
        [wheel] = out.glob("kuzzle_tx-*.whl")
        names = zipfile.ZipFile(wheel).namelist()
        self.assertIn("twisted/plugins/kuzzle_plugin.py", names)
        self.assertNotIn("twisted/__init__.py", names)
        self.assertNotIn("twisted/plugins/__init__.py", names)
        self.assertIn("kuzzle_tx/service.py", names)
        self.assertFalse([name for name in names if name.startswith("tests/")])
