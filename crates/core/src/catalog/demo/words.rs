//! The vocabulary of the demo catalog: 50 departments, each with three
//! sub-categories and the things sold there, the options those things come
//! in, and a price range that suits them. Order matters: the generator's
//! output for a seed depends on it, so append rather than reorder.

/// What the variants of a department's products differ in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Options {
    /// Sold as one item (books, groceries, …).
    None,
    Color,
    /// Clothing sizes, sometimes also in two colours.
    Size,
    /// Shoe sizes (EU).
    ShoeSize,
}

pub(super) struct Department {
    pub name: &'static str,
    /// Sub-category names and the nouns of the products filed in each.
    pub subs: [(&'static str, &'static [&'static str]); 3],
    pub options: Options,
    /// Whole currency units, inclusive.
    pub price: (u32, u32),
}

const fn dept(
    name: &'static str,
    subs: [(&'static str, &'static [&'static str]); 3],
    options: Options,
    price: (u32, u32),
) -> Department {
    Department { name, subs, options, price }
}

use Options::{Color, None as Single, ShoeSize, Size};

#[rustfmt::skip]
pub(super) const DEPARTMENTS: [Department; 50] = [
    dept("Audio", [("Headphones", &["Headphones", "Earbuds", "Headset"]), ("Speakers", &["Speaker", "Soundbar", "Subwoofer"]), ("Turntables & Hi-Fi", &["Turntable", "Amplifier", "DAC"])], Color, (19, 499)),
    dept("Cameras", [("Digital Cameras", &["Camera", "Compact Camera", "Action Camera"]), ("Lenses", &["Prime Lens", "Zoom Lens", "Macro Lens"]), ("Camera Accessories", &["Tripod", "Camera Bag", "Camera Strap"])], Color, (15, 1299)),
    dept("Computers", [("Laptops", &["Laptop", "Ultrabook", "Chromebook"]), ("Monitors", &["Monitor", "Portable Display", "Monitor Arm"]), ("Keyboards & Mice", &["Keyboard", "Mouse", "Trackpad"])], Color, (19, 1899)),
    dept("Phones", [("Smartphones", &["Smartphone", "Phone"]), ("Phone Cases", &["Phone Case", "Folio Case", "Screen Protector"]), ("Chargers", &["Charger", "Power Bank", "Charging Cable"])], Color, (9, 999)),
    dept("Gaming", [("Consoles", &["Console", "Handheld Console"]), ("Controllers", &["Controller", "Arcade Stick", "Racing Wheel"]), ("Gaming Chairs", &["Gaming Chair", "Gaming Desk"])], Color, (19, 599)),
    dept("Smart Home", [("Smart Lighting", &["Smart Bulb", "Light Strip", "Smart Switch"]), ("Security", &["Doorbell Camera", "Smart Lock", "Motion Sensor"]), ("Thermostats", &["Thermostat", "Smart Plug", "Air Sensor"])], Color, (15, 299)),
    dept("Kitchen", [("Cookware", &["Frying Pan", "Saucepan", "Dutch Oven"]), ("Small Appliances", &["Blender", "Kettle", "Toaster"]), ("Knives", &["Chef's Knife", "Knife Block", "Paring Knife"])], Color, (12, 349)),
    dept("Furniture", [("Sofas", &["Sofa", "Loveseat", "Armchair"]), ("Tables", &["Dining Table", "Coffee Table", "Side Table"]), ("Shelving", &["Bookcase", "Wall Shelf", "Shelving Unit"])], Color, (49, 1999)),
    dept("Garden", [("Planters", &["Planter", "Raised Bed", "Plant Stand"]), ("Garden Tools", &["Pruner", "Trowel", "Garden Hose"]), ("Outdoor Furniture", &["Patio Chair", "Garden Bench", "Hammock"])], Color, (9, 599)),
    dept("Tools", [("Power Tools", &["Cordless Drill", "Impact Driver", "Circular Saw"]), ("Hand Tools", &["Hammer", "Screwdriver Set", "Wrench Set"]), ("Tool Storage", &["Tool Box", "Tool Bag", "Workbench"])], Single, (9, 449)),
    dept("Automotive", [("Car Care", &["Car Wax", "Microfiber Towels", "Pressure Washer"]), ("Car Electronics", &["Dash Cam", "Car Charger", "Phone Mount"]), ("Interior", &["Seat Cover", "Floor Mats", "Trunk Organizer"])], Color, (9, 249)),
    dept("Cycling", [("Bikes", &["Road Bike", "Gravel Bike", "City Bike"]), ("Helmets", &["Helmet", "Kids' Helmet"]), ("Bike Accessories", &["Bike Light", "Bike Lock", "Saddle Bag"])], Color, (15, 2499)),
    dept("Running", [("Running Apparel", &["Running Shirt", "Running Shorts", "Running Jacket"]), ("Running Gear", &["Hydration Vest", "Running Belt", "Headlamp"]), ("Running Socks", &["Running Socks", "Compression Socks"])], Size, (9, 149)),
    dept("Camping", [("Tents", &["Tent", "Tarp", "Bivy"]), ("Sleeping Bags", &["Sleeping Bag", "Sleeping Pad", "Camp Pillow"]), ("Camp Kitchen", &["Camp Stove", "Cook Set", "Cooler"])], Color, (12, 699)),
    dept("Fitness", [("Weights", &["Dumbbell Set", "Kettlebell", "Weight Plate"]), ("Yoga", &["Yoga Mat", "Yoga Block", "Yoga Strap"]), ("Cardio", &["Jump Rope", "Rowing Machine", "Exercise Bike"])], Color, (9, 1299)),
    dept("Swimming", [("Swimwear", &["Swimsuit", "Swim Shorts", "Rash Guard"]), ("Goggles", &["Goggles", "Swim Cap", "Nose Clip"]), ("Swim Training", &["Kickboard", "Pull Buoy", "Fins"])], Size, (8, 119)),
    dept("Men's Clothing", [("Men's Shirts", &["Oxford Shirt", "T-Shirt", "Polo Shirt"]), ("Men's Trousers", &["Chinos", "Jeans", "Joggers"]), ("Men's Outerwear", &["Jacket", "Parka", "Overshirt"])], Size, (15, 299)),
    dept("Women's Clothing", [("Dresses", &["Dress", "Wrap Dress", "Shirt Dress"]), ("Women's Tops", &["Blouse", "T-Shirt", "Cardigan"]), ("Women's Outerwear", &["Coat", "Rain Jacket", "Blazer"])], Size, (15, 299)),
    dept("Kids' Clothing", [("Baby Clothes", &["Bodysuit", "Romper", "Sleepsuit"]), ("Kids' Tops", &["Hoodie", "T-Shirt", "Sweater"]), ("Kids' Outerwear", &["Rain Jacket", "Puffer Jacket", "Snowsuit"])], Size, (9, 119)),
    dept("Shoes", [("Sneakers", &["Sneakers", "Running Shoes", "Trainers"]), ("Boots", &["Chelsea Boots", "Hiking Boots", "Rain Boots"]), ("Sandals", &["Sandals", "Slides", "Espadrilles"])], ShoeSize, (29, 249)),
    dept("Bags", [("Backpacks", &["Backpack", "Daypack", "Laptop Backpack"]), ("Handbags", &["Tote", "Crossbody Bag", "Clutch"]), ("Wallets", &["Wallet", "Card Holder", "Coin Purse"])], Color, (15, 399)),
    dept("Watches", [("Smartwatches", &["Smartwatch", "Fitness Tracker"]), ("Analog Watches", &["Field Watch", "Dress Watch", "Dive Watch"]), ("Watch Straps", &["Leather Strap", "Steel Bracelet", "Nylon Strap"])], Color, (19, 899)),
    dept("Jewelry", [("Necklaces", &["Necklace", "Pendant", "Chain"]), ("Rings", &["Ring", "Band", "Signet Ring"]), ("Earrings", &["Hoop Earrings", "Stud Earrings", "Drop Earrings"])], Color, (19, 799)),
    dept("Beauty", [("Makeup", &["Lipstick", "Mascara", "Foundation"]), ("Hair Care", &["Shampoo", "Conditioner", "Hair Oil"]), ("Beauty Tools", &["Hair Dryer", "Makeup Brush Set", "Straightener"])], Single, (6, 199)),
    dept("Skincare", [("Moisturizers", &["Moisturizer", "Night Cream", "Face Oil"]), ("Cleansers", &["Cleanser", "Micellar Water", "Face Scrub"]), ("Sun Care", &["Sunscreen", "After-Sun Gel", "Tinted SPF"])], Single, (6, 89)),
    dept("Fragrance", [("Perfume", &["Eau de Parfum", "Perfume Oil"]), ("Cologne", &["Eau de Toilette", "Cologne"]), ("Home Fragrance", &["Scented Candle", "Reed Diffuser", "Room Spray"])], Single, (12, 189)),
    dept("Health", [("Vitamins", &["Multivitamin", "Vitamin D", "Omega-3"]), ("First Aid", &["First Aid Kit", "Thermometer", "Bandages"]), ("Personal Care", &["Electric Toothbrush", "Water Flosser", "Massage Gun"])], Single, (5, 199)),
    dept("Baby", [("Strollers", &["Stroller", "Travel System", "Buggy"]), ("Nursery", &["Crib", "Baby Monitor", "Changing Table"]), ("Feeding", &["Bottle Set", "High Chair", "Bib Set"])], Color, (9, 899)),
    dept("Toys", [("Building Toys", &["Building Set", "Marble Run", "Magnetic Tiles"]), ("Plush", &["Teddy Bear", "Plush Rabbit", "Plush Dinosaur"]), ("Outdoor Toys", &["Scooter", "Kite", "Water Blaster"])], Color, (7, 199)),
    dept("Board Games", [("Strategy Games", &["Strategy Game", "Deck-Building Game", "War Game"]), ("Party Games", &["Party Game", "Word Game", "Trivia Game"]), ("Puzzles", &["Jigsaw Puzzle", "Puzzle Box", "Logic Puzzle"])], Single, (9, 99)),
    dept("Books", [("Fiction", &["Novel", "Short Stories", "Thriller"]), ("Non-Fiction", &["Biography", "History", "Essays"]), ("Cookbooks", &["Cookbook", "Baking Book", "Vegetarian Cookbook"])], Single, (7, 59)),
    dept("Music", [("Guitars", &["Acoustic Guitar", "Electric Guitar", "Ukulele"]), ("Keyboards & Pianos", &["Digital Piano", "Synthesizer", "MIDI Keyboard"]), ("Music Accessories", &["Guitar Strings", "Capo", "Music Stand"])], Color, (7, 1499)),
    dept("Movies", [("Blu-ray", &["Blu-ray", "4K Blu-ray"]), ("Box Sets", &["Box Set", "Collector's Edition"]), ("Documentaries", &["Documentary", "Nature Series"])], Single, (9, 89)),
    dept("Stationery", [("Notebooks", &["Notebook", "Journal", "Planner"]), ("Pens", &["Fountain Pen", "Gel Pen Set", "Pencil Set"]), ("Desk Accessories", &["Desk Organizer", "Letter Tray", "Desk Pad"])], Color, (4, 149)),
    dept("Art Supplies", [("Paints", &["Watercolour Set", "Acrylic Set", "Oil Paint Set"]), ("Brushes", &["Brush Set", "Palette Knife", "Detail Brush"]), ("Canvases", &["Canvas Pack", "Sketchbook", "Easel"])], Single, (5, 199)),
    dept("Crafts", [("Knitting", &["Yarn Bundle", "Knitting Needles", "Knitting Kit"]), ("Sewing", &["Sewing Kit", "Fabric Bundle", "Sewing Machine"]), ("Paper Crafts", &["Cutting Mat", "Washi Tape Set", "Origami Paper"])], Color, (4, 399)),
    dept("Pet Supplies", [("Dog Supplies", &["Dog Bed", "Dog Leash", "Dog Harness"]), ("Cat Supplies", &["Cat Tree", "Scratching Post", "Litter Box"]), ("Pet Food", &["Dry Dog Food", "Cat Food", "Pet Treats"])], Color, (5, 249)),
    dept("Groceries", [("Pantry", &["Olive Oil", "Pasta", "Rice"]), ("Snacks", &["Granola", "Dark Chocolate", "Trail Mix"]), ("Spices", &["Spice Set", "Sea Salt", "Peppercorns"])], Single, (2, 39)),
    dept("Coffee & Tea", [("Coffee Beans", &["Espresso Beans", "Filter Coffee", "Decaf Beans"]), ("Tea", &["Green Tea", "Black Tea", "Herbal Tea"]), ("Brewing", &["Pour-Over Set", "French Press", "Coffee Grinder"])], Single, (6, 399)),
    dept("Wine", [("Red Wine", &["Rioja", "Pinot Noir", "Malbec"]), ("White Wine", &["Chardonnay", "Sauvignon Blanc", "Riesling"]), ("Wine Accessories", &["Decanter", "Wine Glasses", "Corkscrew"])], Single, (9, 149)),
    dept("Lighting", [("Lamps", &["Table Lamp", "Floor Lamp", "Desk Lamp"]), ("Ceiling Lights", &["Pendant Light", "Ceiling Fan", "Chandelier"]), ("Outdoor Lighting", &["Solar Lights", "Wall Lantern", "String Lights"])], Color, (12, 499)),
    dept("Bedding", [("Sheets", &["Sheet Set", "Fitted Sheet", "Pillowcases"]), ("Duvets", &["Duvet", "Duvet Cover", "Quilt"]), ("Pillows", &["Pillow", "Body Pillow", "Mattress Topper"])], Color, (15, 399)),
    dept("Bath", [("Towels", &["Bath Towel", "Towel Set", "Bath Sheet"]), ("Bath Mats", &["Bath Mat", "Shower Mat"]), ("Bathroom Storage", &["Shower Caddy", "Vanity Tray", "Towel Rail"])], Color, (9, 199)),
    dept("Storage", [("Boxes & Bins", &["Storage Box", "Storage Bin", "Basket"]), ("Closet", &["Hanger Set", "Shoe Rack", "Garment Rack"]), ("Garage Storage", &["Wall Rack", "Shelving Unit", "Pegboard"])], Color, (7, 299)),
    dept("Cleaning", [("Vacuums", &["Cordless Vacuum", "Robot Vacuum", "Handheld Vacuum"]), ("Cleaning Supplies", &["Spray Mop", "Microfiber Cloths", "Scrub Brush Set"]), ("Laundry", &["Laundry Basket", "Drying Rack", "Steam Iron"])], Color, (5, 599)),
    dept("Office", [("Desks", &["Standing Desk", "Writing Desk", "Desk Converter"]), ("Office Chairs", &["Office Chair", "Ergonomic Chair", "Task Chair"]), ("Office Electronics", &["Printer", "Label Maker", "Shredder"])], Color, (19, 999)),
    dept("Travel", [("Luggage", &["Carry-On", "Check-In Suitcase", "Duffel Bag"]), ("Travel Accessories", &["Packing Cubes", "Travel Pillow", "Travel Adapter"]), ("Travel Bags", &["Weekender", "Toiletry Bag", "Passport Holder"])], Color, (9, 449)),
    dept("Outdoor Cooking", [("Grills", &["Charcoal Grill", "Gas Grill", "Pellet Grill"]), ("Pizza Ovens", &["Pizza Oven", "Pizza Peel", "Pizza Stone"]), ("Grill Tools", &["Grill Tool Set", "Meat Thermometer", "Grill Brush"])], Single, (12, 999)),
    dept("Fishing", [("Rods", &["Spinning Rod", "Fly Rod", "Telescopic Rod"]), ("Reels", &["Spinning Reel", "Baitcaster", "Fly Reel"]), ("Tackle", &["Tackle Box", "Lure Set", "Landing Net"])], Single, (6, 399)),
    dept("Winter Sports", [("Skis", &["All-Mountain Skis", "Touring Skis", "Ski Poles"]), ("Snowboards", &["Snowboard", "Snowboard Bindings", "Snowboard Boots"]), ("Winter Apparel", &["Ski Jacket", "Ski Pants", "Base Layer"])], Size, (19, 899)),
];

/// Made-up brands: nobody's trademark.
pub(super) const BRANDS: &[&str] = &[
    "Halden",
    "Norrvik",
    "Aster",
    "Brightwell",
    "Calder",
    "Dune & Co",
    "Elmstead",
    "Fjordline",
    "Greyfield",
    "Harbor",
    "Ivory Lane",
    "Juniper",
    "Kestrel",
    "Larchmont",
    "Meridian",
    "Northwind",
    "Oakhurst",
    "Pinecrest",
    "Quillon",
    "Redfern",
    "Saltmarsh",
    "Tidewater",
    "Umber",
    "Vantage",
    "Westbrook",
    "Yarrow",
    "Zephyr",
    "Alder",
    "Birchwood",
    "Copperleaf",
];

pub(super) const STYLES: &[&str] = &[
    "Classic",
    "Essential",
    "Everyday",
    "Premium",
    "Compact",
    "Deluxe",
    "Original",
    "Signature",
    "Modern",
    "Heritage",
    "Urban",
    "Studio",
    "Travel",
    "Pro",
    "Lite",
    "Sport",
    "Select",
    "Prime",
];

pub(super) const OPENINGS: &[&str] = &[
    "is built for everyday use and made to last",
    "brings thoughtful design to an everyday essential",
    "is our best-selling take on a timeless favourite",
    "pairs clean lines with hard-wearing materials",
    "was designed with feedback from hundreds of customers",
    "keeps things simple and does its job beautifully",
    "is a small upgrade you will notice every day",
    "combines quality materials with an honest price",
];

pub(super) const FEATURES: &[&str] = &[
    "easy to clean",
    "lightweight and easy to carry",
    "backed by a two-year warranty",
    "tested for durability",
    "made with recycled materials",
    "packed in plastic-free packaging",
    "designed to be repaired, not replaced",
    "comfortable for hours",
    "quick to set up",
    "finished by hand",
    "water-resistant",
    "sized to fit most spaces",
];

pub(super) const MATERIALS: &[&str] = &[
    "Made from responsibly sourced materials.",
    "Crafted from durable, high-quality components.",
    "Finished with a soft-touch coating.",
    "Assembled in a certified, fair-wage workshop.",
    "Built around a sturdy, reinforced frame.",
    "Every unit is checked before it ships.",
];

pub(super) const COLORS: &[&str] =
    &["Black", "White", "Navy", "Grey", "Olive", "Sand", "Red", "Blue", "Green", "Charcoal", "Walnut", "Gold"];

/// Colours that cost a little more when a product comes in them.
pub(super) const PREMIUM_COLORS: &[&str] = &["Walnut", "Gold"];

pub(super) const SIZES: &[&str] = &["XS", "S", "M", "L", "XL", "XXL"];

pub(super) const SHOE_SIZES: &[&str] = &["38", "39", "40", "41", "42", "43", "44", "45", "46"];

/// Sizes that cost a little more.
pub(super) const LARGE_SIZES: &[&str] = &["XXL", "46"];
