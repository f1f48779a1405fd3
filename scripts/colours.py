"""Prints ANSI colours and styles, a ::group:: fold and a carriage-return progress bar."""

import time

ESC = "\x1b["
print("::group::Colours")
for code in range(30, 38):
    print(f"{ESC}{code}m16-colour foreground {code}{ESC}0m")
for code in range(90, 98):
    print(f"{ESC}{code}mbright foreground {code}{ESC}0m")
print("".join(f"{ESC}38;5;{n}m{n:4}" for n in range(16, 52)) + f"{ESC}0m")
print(f"{ESC}38;2;255;128;0m24-bit orange{ESC}0m and {ESC}48;2;0;64;128mblue background{ESC}0m")
print(f"{ESC}1mbold{ESC}0m {ESC}3mitalic{ESC}0m {ESC}4munderline{ESC}0m plain")
print("::endgroup::")
print("HTML stays text: <img src=x onerror=alert(1)> <b>not bold</b>")
for percent in range(0, 101, 10):
    print(f"\rprogress [{'#' * (percent // 10):<10}] {percent}%", end="", flush=True)
    time.sleep(0.5)
print()
print(f"{ESC}32mall done{ESC}0m")
